/** Stops a form's submission and returns its fields: `get` trims, `raw` keeps the value as typed (passwords). */
export function submittedFields(event: SubmitEvent): {
  form: HTMLFormElement;
  get(name: string): string;
  raw(name: string): string;
  checked(name: string): boolean;
} {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  const raw = (name: string) => {
    const value = data.get(name);
    return typeof value === "string" ? value : "";
  };
  return { form, raw, get: (name) => raw(name).trim(), checked: (name) => data.has(name) };
}
