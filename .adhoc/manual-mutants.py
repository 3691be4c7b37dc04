import subprocess, sys, shutil
# (file, original, replacement, test file)
M = [
 ('src/backup/full-backup.ts', "{ cause: error }", "{}", 'test/backup/full-backup.test.ts'),
 ('src/backup/full-backup.ts', "`Backup is not supported for the memory: database '${db.name}'`", "``", 'test/backup/full-backup.test.ts'),
 ('src/backup/full-backup.ts', "if (request.target.kind === 'path') {", "if (false) {", 'test/backup/full-backup.test.ts'),
 ('src/backup/full-backup.ts', "(name) => name === file)", "() => undefined)", 'test/backup/full-backup.test.ts'),
 ('src/backup/full-backup.ts', "(name) => name === file)", "(name) => true)", 'test/backup/full-backup.test.ts'),
 ('src/backup/full-backup.ts', "(name) => name === file)", "(name) => false)", 'test/backup/full-backup.test.ts'),
 ('src/backup/full-backup.ts', "(name) => name === file)", "(name) => name !== file)", 'test/backup/full-backup.test.ts'),
 ('src/backup/backup-messages.ts', "typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function'", "false", 'test/backup/full-backup.test.ts'),
 ('src/backup/backup-messages.ts', "typeof result === 'object' && result", "typeof result !== 'object' && result", 'test/backup/full-backup.test.ts'),
 ('src/backup/backup-messages.ts', "result !== null && typeof", "result === null && typeof", 'test/backup/full-backup.test.ts'),
 ('src/backup/backup-messages.ts', ".then === 'function'", ".then !== 'function'", 'test/backup/full-backup.test.ts'),
 ('src/backup/backup-messages.ts', ".then === 'function'", ".then === ''", 'test/backup/full-backup.test.ts'),
 ('src/backup/backup-messages.ts', "typeof result === 'object' &&", "typeof result === '' &&", 'test/backup/full-backup.test.ts'),
 ('src/incremental/chain-problem.ts', "...(problem.cause === undefined ? {} : { cause: problem.cause }),", "", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.cause === undefined ?", "true ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.cause === undefined ?", "false ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.cause === undefined ?", "problem.cause !== undefined ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "{ cause: problem.cause }", "{}", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.file === undefined ?", "true ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.file === undefined ?", "false ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.file === undefined ?", "problem.file !== undefined ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "{ file: problem.file }", "{}", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.index === undefined ?", "true ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.index === undefined ?", "false ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "problem.index === undefined ?", "problem.index !== undefined ?", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "{ index: problem.index }", "{}", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-problem.ts', "details: {\n      directory,", "details: {\n      ", 'test/incremental/chain-problem.test.ts'),
 ('src/incremental/chain-file-name.ts', "String(moment.getUTCFullYear()).padStart(4, '0')", "String(moment.getUTCFullYear()).padStart(4, '')", 'test/incremental/chain-file-name.test.ts'),
 ('src/incremental/chain-file-name.ts', "/_(\\d{1,15})(_full)?\\.ibu$/", "/_(\\d{1,15})(_full)?\\.ibu/", 'test/incremental/chain-file-name.test.ts'),
 ('src/incremental/chain-file-name.ts', "/_(\\d{1,15})(_full)?\\.ibu$/", "/_(\\d)(_full)?\\.ibu$/", 'test/incremental/chain-file-name.test.ts'),
 ('src/incremental/chain-file-name.ts', "/_(\\d{1,15})(_full)?\\.ibu$/", "/_(\\D{1,15})(_full)?\\.ibu$/", 'test/incremental/chain-file-name.test.ts'),
 ('src/incremental/chain-file-name.ts', "/_(\\d{1,15})(_full)?\\.ibu$/", "/_(\\d{1,15})(_full)\\.ibu$/", 'test/incremental/chain-file-name.test.ts'),
 ('src/incremental/chain-file-name.ts', "CHAIN_FILE_EXTENSION = '.ibu'", "CHAIN_FILE_EXTENSION = ''", 'test/incremental/chain-file-name.test.ts'),
 ('src/incremental/chain-file-name.ts', "FULL_SUFFIX = '_full'", "FULL_SUFFIX = ''", 'test/incremental/chain-file-name.test.ts'),
]
import os
only=os.environ.get('ONLY')
for f, a, b, t in M:
    if only and only not in f: continue
    src = open(f).read()
    if src.count(a) != 1:
        print('SKIP (not unique)', f, a, src.count(a)); continue
    shutil.copy(f, '/tmp/mm.bak')
    open(f, 'w').write(src.replace(a, b))
    r = subprocess.run(['npx', 'vitest', 'run', t], capture_output=True, text=True)
    shutil.copy('/tmp/mm.bak', f)
    print('KILLED ' if r.returncode != 0 else 'SURVIVED', f, repr(a[:50]), '->', repr(b[:30]))
