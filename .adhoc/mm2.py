import subprocess, shutil
F='src/backup/backup-request.ts'; T='test/backup/arguments.test.ts'
M=[
 ("const MAX_STALL_TIMEOUT_MS = 2 ** 31 - 1;","const MAX_STALL_TIMEOUT_MS = 2 ** 31 + 1;"),
 ("return prototype === Object.prototype || prototype === null;","return prototype === Object.prototype || false;"),
 ("throw fail('ERR_INVALID_OPTIONS', message, { details });","throw fail('ERR_INVALID_OPTIONS', message, {});"),
 ("if (out.length > 0 && !out.includes('\\u0000')) {","if (true) {"),
 ("if (out.length > 0 && !out.includes('\\u0000')) {","if (out.length > 0 || !out.includes('\\u0000')) {"),
 ("if (fromDatabase === '' ||","if (false ||"),
 ("&& fromDatabase !== '..' &&","&& true &&"),
 ("&& fromDatabase !== '..' &&","&& fromDatabase !== '' &&"),
 ("{ path: target, directory: context.directory }","{}"),
 ("      unknown,\n    });","    });"),
 ("{ option: 'mode' }","{}"),
 ("{ option: 'mode' }","{ option: '' }"),
 ("value <= MAX_STALL_TIMEOUT_MS","value < MAX_STALL_TIMEOUT_MS"),
 ("{ details: { argument: what } }","{}"),
 ("'option onLocked'","''"),
 ("'callable', 'ERR_INVALID_ARGUMENT'","'', 'ERR_INVALID_ARGUMENT'"),
 ("'option onMessage'","''"),
 ("'listener', 'ERR_INVALID_ARGUMENT'","'', 'ERR_INVALID_ARGUMENT'"),
 ("`The backup target ${target} lies inside the database directory ${context.directory}`","``"),
]
for a,b in M:
    s=open(F).read()
    if s.count(a)!=1: print('SKIP',s.count(a),a[:50]); continue
    shutil.copy(F,'/tmp/br.bak'); open(F,'w').write(s.replace(a,b))
    r=subprocess.run(['npx','vitest','run',T],capture_output=True,text=True)
    shutil.copy('/tmp/br.bak',F)
    print('KILLED ' if r.returncode else 'SURVIVED', repr(a[:60]),'->',repr(b[:30]))
