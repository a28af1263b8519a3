// Integration suites boot servers and apps; jest ignores `testTimeout` inside a project entry.
jest.setTimeout(120_000);
