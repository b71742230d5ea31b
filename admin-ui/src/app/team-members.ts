import { html, nothing } from "lit";
import type { ApiClient, MeResponse, Member, Team } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import { submittedFields } from "./forms.ts";

type Role = Member["role"];

/** A team's members: add, change role and remove, as far as your own role allows. */
export class TeamMembers extends ActionElement {
  static override properties = {
    api: { attribute: false },
    me: { attribute: false },
    team: { attribute: false },
    members: { attribute: false },
  };

  declare api: ApiClient;
  declare me: MeResponse;
  declare team: Team;
  declare members: Member[];

  /** The roles you may hand out: only owners make owners. */
  get #assignableRoles(): Role[] {
    return this.team.myRole === "owner" ? ["owner", "admin", "member"] : ["admin", "member"];
  }

  get #canManage(): boolean {
    return this.team.kind === "organisation" && (this.team.myRole === "owner" || this.team.myRole === "admin");
  }

  override render() {
    return html`
      <section class="card" aria-labelledby="members">
        <h2 id="members">Members</h2>
        <ul class="rows" aria-label="Members">
          ${this.members.map((member) => this.#row(member))}
        </ul>
        ${
          this.team.kind === "personal"
            ? html`<p class="empty">
                A personal team has only you. To work with other people, create an organisation team on the
                <a href="#/teams">Teams</a> page.
              </p>`
            : nothing
        }
        ${this.#canManage ? this.#addForm() : nothing}
      </section>
    `;
  }

  #row(member: Member) {
    const isMe = member.userId === this.me.userId;
    const canEdit = this.#canManage && (member.role !== "owner" || this.team.myRole === "owner");
    const key = `member:${member.userId}`;
    return html`<li>
      <span class="grow mono">${member.userId}${isMe ? html` <span class="badge grey">you</span>` : nothing}</span>
      ${
        canEdit
          ? html`<label class="check"
              >Role
              <select
                aria-label="Role of ${member.userId}"
                ?disabled=${this.isBusy(key)}
                @change=${(event: Event) =>
                  void this.#setRole(member.userId, (event.target as HTMLSelectElement).value as Role)}
              >
                ${this.#assignableRoles.map(
                  (role) => html`<option value=${role} ?selected=${role === member.role}>${role}</option>`,
                )}
              </select></label
            >`
          : html`<span class="badge">${member.role}</span>`
      }
      ${
        canEdit || (isMe && this.team.kind === "organisation")
          ? html`<button
              class="danger"
              type="button"
              aria-label="Remove ${member.userId}"
              ?disabled=${this.isBusy(key)}
              @click=${() => void this.#remove(member.userId)}
            >
              ${isMe ? "Leave" : "Remove"}
            </button>`
          : nothing
      }
      ${this.errorFor(key)}
    </li>`;
  }

  #addForm() {
    return html`
      <form class="inline" aria-label="Add a member" @submit=${this.#add}>
        <label>User <input name="user" required placeholder="alice or @alice:server" /></label>
        <label
          >Role
          <select name="role">
            ${this.#assignableRoles.map(
              (role) => html`<option value=${role} ?selected=${role === "member"}>${role}</option>`,
            )}
          </select></label
        >
        <button type="submit" ?disabled=${this.isBusy("add")}>Add member</button>
      </form>
      ${this.errorFor("add")}
    `;
  }

  /** A bare name means a user on this homeserver: `alice` → `@alice:<server name>`. */
  #userIdOf(input: string): string {
    if (input.startsWith("@")) return input;
    const serverName = this.me.userId.slice(this.me.userId.indexOf(":") + 1);
    return `@${input.toLowerCase()}:${serverName}`;
  }

  async #add(event: SubmitEvent): Promise<void> {
    const fields = submittedFields(event);
    const userId = this.#userIdOf(fields.get("user"));
    const role = fields.get("role") as Role;
    if (await this.act("add", () => this.api.setMember(this.team.slug, userId, { role }).then(() => undefined))) {
      fields.form.reset();
      this.announceChange();
    }
  }

  async #setRole(userId: string, role: Role): Promise<void> {
    await this.act(`member:${userId}`, async () => {
      await this.api.setMember(this.team.slug, userId, { role });
    });
    // Reload either way: after a refused change the select shows the real role again.
    this.announceChange();
  }

  async #remove(userId: string): Promise<void> {
    if (!(await this.act(`member:${userId}`, () => this.api.removeMember(this.team.slug, userId)))) return;
    if (userId === this.me.userId) location.hash = "#/teams";
    else this.announceChange();
  }
}

customElements.define("team-members", TeamMembers);
