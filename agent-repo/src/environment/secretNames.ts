const SECRET_NAME_PARTS = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "APIKEY", "_KEY"];

/** Whether a variable's name says it holds a secret, which must never be written in the repository. */
export function isSecretLookingName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME_PARTS.some((part) => upper.includes(part));
}
