// Global test set-up. HTTP mocking (nock) is opted into per test file, so that end-to-end tests
// against the sandbox store talk real HTTP on 127.0.0.1.
export {};
