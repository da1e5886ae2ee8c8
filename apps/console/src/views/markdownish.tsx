// The contract's descriptions are Markdown; the console shows their `code` spans as code and the
// rest as text (it renders no other Markdown, and never HTML from the contract).
export function Markdownish({ text }: { text: string }) {
  const parts = text.split(/`([^`]*)`/);
  return <span class="description">{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</span>;
}
