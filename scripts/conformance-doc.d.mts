export function conformanceMarkdown(): string;
