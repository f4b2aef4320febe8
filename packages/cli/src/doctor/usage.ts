// Kept apart from the command so that `descent --help` loads no backend.
export const DOCTOR_USAGE = 'Usage: descent doctor [--adapter NAMES] [--require NAMES] [--json]';
