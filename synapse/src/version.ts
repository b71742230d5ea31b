/** The Synapse release aachat installs and tests against. Bump deliberately: the venv cache is keyed by it. */
export const SYNAPSE_VERSION = "1.163.2";

/** Synapse 1.163 declares Requires-Python >=3.10. */
export const MIN_PYTHON = [3, 10] as const;

export const MIN_PYTHON_TEXT = `${MIN_PYTHON[0]}.${MIN_PYTHON[1]}`;
