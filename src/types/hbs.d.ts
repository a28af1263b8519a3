// hbs ships no types and @types/hbs is not a dependency; this is the little we use. The module
// exports an instance whose methods live on its prototype, so it must be imported as default.
declare module 'hbs' {
  interface Hbs {
    registerPartial(name: string, template: string): void;
    registerHelper(name: string, helper: (...args: unknown[]) => unknown): void;
  }
  const hbs: Hbs;
  export default hbs;
}
