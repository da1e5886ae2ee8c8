// The module that vite.config.ts makes from the contract at build time (build/contract-module.ts).
declare module 'virtual:contract' {
  /** Every property of the contract's Session, in its order, with the reference's description. */
  export const sessionFields: ReadonlyArray<{ name: string; description: string }>;
  /** The access levels that `endCall` admits (a feature a level needs is the server's to check). */
  export const endCallLevels: readonly string[];
}
