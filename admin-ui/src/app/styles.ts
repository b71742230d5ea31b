import { css } from "lit";

/** The document's own styles: colours and type every component inherits through custom properties. */
export const pageStyles = css`
  :root {
    --bg: #f5f6f8;
    --surface: #ffffff;
    --text: #1b1f24;
    --muted: #5b6472;
    --border: #dde1e7;
    --accent: #3454d1;
    --accent-hover: #2a44ab;
    --accent-soft: #e8ecfb;
    --danger: #b42318;
    --danger-soft: #fdecea;
    --success-soft: #e7f6ec;
    --focus: #f59e0b;
    --radius: 8px;
    --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 10%);
    color-scheme: light;
  }
  html,
  body {
    margin: 0;
    min-height: 100%;
    background: var(--bg);
    color: var(--text);
    font:
      15px/1.5 system-ui,
      -apple-system,
      "Segoe UI",
      Roboto,
      sans-serif;
  }
`;

/** Controls, cards, lists and messages shared by every component. */
export const sharedStyles = css`
  :host {
    display: block;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  h1,
  h2,
  h3 {
    margin: 0 0 0.5rem;
    line-height: 1.25;
  }
  h1 {
    font-size: 1.5rem;
  }
  h2 {
    font-size: 1.15rem;
  }
  h3 {
    font-size: 1rem;
  }
  p {
    margin: 0 0 0.5rem;
  }
  a {
    color: var(--accent);
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
    box-shadow: var(--shadow);
    padding: 1rem 1.25rem;
    margin-bottom: 1rem;
  }
  .muted {
    color: var(--muted);
  }
  .mono {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.85em;
    overflow-wrap: anywhere;
  }
  form.inline {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: flex-end;
  }
  /* Text beside a field sits level with the field, not on its bottom edge. */
  form.inline > span {
    display: inline-flex;
    align-items: center;
    min-height: 2.4rem;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
    font-size: 0.85rem;
    font-weight: 600;
    color: var(--muted);
  }
  label.check {
    flex-direction: row;
    align-items: center;
    gap: 0.4rem;
    font-weight: 500;
    color: var(--text);
  }
  input:not([type="checkbox"]),
  select {
    font: inherit;
    font-weight: 400;
    line-height: 1.4;
    min-height: 2.4rem;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 6px;
    padding: 0.4rem 0.65rem;
    min-width: 0;
  }
  input::placeholder {
    color: #8a93a1;
  }
  input[type="checkbox"] {
    width: 1.1rem;
    height: 1.1rem;
    accent-color: var(--accent);
  }
  button {
    font: inherit;
    font-weight: 600;
    line-height: 1.4;
    min-height: 2.4rem;
    white-space: nowrap;
    border-radius: 6px;
    padding: 0.4rem 0.9rem;
    border: 1px solid var(--accent);
    background: var(--accent);
    color: #fff;
    cursor: pointer;
  }
  button:hover:not(:disabled) {
    background: var(--accent-hover);
  }
  button.secondary {
    background: var(--surface);
    color: var(--text);
    border-color: var(--border);
  }
  button.secondary:hover:not(:disabled) {
    background: var(--bg);
  }
  button.danger {
    background: var(--surface);
    color: var(--danger);
    border-color: var(--danger);
  }
  button.danger:hover:not(:disabled) {
    background: var(--danger-soft);
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  :is(a, button, input, select):focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  .error {
    color: var(--danger);
    background: var(--danger-soft);
    border-radius: 6px;
    padding: 0.4rem 0.6rem;
    margin: 0.5rem 0 0;
    font-size: 0.9rem;
  }
  .empty {
    color: var(--muted);
    border: 1px dashed var(--border);
    border-radius: var(--radius);
    padding: 0.75rem 1rem;
    margin: 0.5rem 0;
  }
  .badge {
    display: inline-block;
    font-size: 0.75rem;
    font-weight: 600;
    padding: 0.05rem 0.5rem;
    border-radius: 999px;
    background: var(--accent-soft);
    color: var(--accent);
    vertical-align: middle;
  }
  .badge.grey {
    background: var(--bg);
    color: var(--muted);
    border: 1px solid var(--border);
  }
  .badge.online {
    background: #e6f4ea;
    color: #1a7f37;
  }
  ul.rows {
    list-style: none;
    padding: 0;
    margin: 0.25rem 0 0.75rem;
  }
  .card > :last-child {
    margin-bottom: 0;
  }
  h1 + p.muted {
    margin-bottom: 1.25rem;
  }
  form + p.muted {
    margin: 0.5rem 0 0;
    font-size: 0.85rem;
  }
  ul.rows > li {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
    padding: 0.6rem 0;
    border-top: 1px solid var(--border);
  }
  ul.rows > li:first-child {
    border-top: none;
  }
  .grow {
    flex: 1 1 14rem;
    min-width: 0;
  }
  .full {
    flex: 1 1 100%;
    min-width: 0;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
