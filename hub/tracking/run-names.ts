const ADJECTIVES = ['amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'eager', 'gentle', 'lucky', 'merry', 'nimble', 'quiet', 'rapid', 'sunny', 'swift', 'vivid'];
const NOUNS = ['badger', 'crane', 'falcon', 'fox', 'heron', 'lynx', 'otter', 'owl', 'panda', 'raven', 'seal', 'sparrow', 'tiger', 'whale', 'wolf', 'yak'];

/** A readable default run name, as MLflow gives one: `swift-otter-42`. */
export function randomRunName(): string {
  const [a, n, d] = crypto.getRandomValues(new Uint16Array(3));
  return `${ADJECTIVES[a! % ADJECTIVES.length]}-${NOUNS[n! % NOUNS.length]}-${d! % 1000}`;
}

/** Run ids are 32 lowercase hex characters, like MLflow's. */
export const newRunId = () => crypto.randomUUID().replace(/-/g, '');
