/**
 * The agent name rule of the whole product (the appservice's `AGENT_NAME` is the same
 * pattern): it becomes the Matrix user `@agent_<name>` and its DM room with its owner.
 */
export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;

export const AGENT_NAME_RULE = "must be 2-32 lowercase letters, digits or '-', starting with a letter";
