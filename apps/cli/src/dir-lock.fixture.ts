// Test fixture: claims argv[2] with lockDir as a run would, says so, and holds the claim until
// its stdin closes. Started many times at once by dir-lock.test.ts.
import { DirInUseError, lockDir } from './dir-lock';

try {
  const release = lockDir(process.argv[2]!, 'fbl test', 'choose another directory');
  process.stdout.write(`acquired ${process.pid}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    release();
    process.exit(0);
  });
} catch (err) {
  if (!(err instanceof DirInUseError)) throw err;
  process.stdout.write(`refused ${err.code}: ${err.message}\n`);
  process.exit(1);
}
