export type PublishResult =
  | { kind: "nothing-to-commit" }
  | {
      kind: "published";
      /** The commit main now points at. */
      commit: string;
      /** Whether main reached the `origin` remote; false without a remote or when the push failed. */
      pushed: boolean;
      /** Why the push failed (git's reason), when there is a remote and it did. */
      pushError?: string;
    }
  | {
      kind: "conflict";
      /** Files both sides changed in ways git could not merge, relative to the repository root. */
      files: string[];
      /** The session branch that keeps the session's commits. */
      branch: string;
      /** The session's commit, kept on `branch`. */
      commit: string;
      /** What happened and what to do, for the agent's DM room. */
      message: string;
    };
