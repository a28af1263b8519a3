// Temporary: adopts already-running servers only. Replaced by the stack-backed version.
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEST_MONGO_URL || !process.env.TEST_CASSANDRA_CONTACT_POINTS) {
    throw new Error('set TEST_MONGO_URL and TEST_CASSANDRA_CONTACT_POINTS');
  }
}
