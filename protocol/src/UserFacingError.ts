/**
 * A failure a person can act on, with a message that says what to do. Front ends (the
 * CLI) print it as one line without a stack trace; anything else is a bug. Each package
 * extends it for its own errors, so nobody has to know another package's error classes.
 */
export class UserFacingError extends Error {}
