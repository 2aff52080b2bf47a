#!/usr/bin/env python3
"""Buckets an async-profiler collapsed CPU profile into layers; prints samples, share and ms per cycle.
usage: bench/queue/profile-layers.py FILE.collapsed SERVER_CPU_MS_PER_CYCLE [top-N frames per layer]"""
import re, sys, collections
path, ms = sys.argv[1], float(sys.argv[2])
topn = int(sys.argv[3]) if len(sys.argv) > 3 else 0
SYSCALL = re.compile(r'^(__GI_|__GI___libc_|__libc_|___)?(write|writev|read|readv|send|sendto|recv|recvfrom|epoll_wait|epoll_ctl|'
                     r'poll|sched_yield|clock_gettime|nanosleep|syscall|pthread_cond_signal|pthread_cond_wait|'
                     r'__futex_abstimed_wait_common|futex_wait|__lll_lock_wait|__lll_lock_wake)(@@GLIBC.*)?$|^Java_sun_nio_ch_|^Java_java_net_|_\[k\]$')
RULES = [
    ('JDBC (driver, pool)', re.compile(r'^(org/postgresql|org\.postgresql|com/zaxxer|com\.zaxxer|java/sql|java\.sql)')),
    ('Berth store (SQL, rows)', re.compile(r'^(dev/berth/store|dev\.berth\.store)')),
    ('JSON Schema', re.compile(r'^(com/networknt|com\.networknt|dev/berth/core/json/JsonSchemas|dev\.berth\.core\.json\.JsonSchemas)')),
    ('Jackson', re.compile(r'^(com/fasterxml|com\.fasterxml)')),
    ('Hawk/auth (incl. HMAC)', re.compile(r'^(dev/berth/core/auth|dev\.berth\.core\.auth|dev/berth/server/auth|dev\.berth\.server\.auth)')),
    ('metrics (Micrometer)', re.compile(r'^(io/micrometer|io\.micrometer)')),
    ('Berth queue logic (core, server)', re.compile(r'^(dev/berth|dev\.berth)')),
    ('Javalin', re.compile(r'^(io/javalin|io\.javalin|kotlin)')),
    ('Jetty', re.compile(r'^(org/eclipse/jetty|org\.eclipse\.jetty|jakarta)')),
    ('JDK threads (virtual, locks, pools)', re.compile(r'^(java/util/concurrent|java\.util\.concurrent|jdk/internal/vm|jdk\.internal\.vm|java/lang/VirtualThread|java\.lang\.VirtualThread|jdk/internal/misc/Unsafe\.park|Unsafe_Park|Parker::)')),
]
def layer(frames):
    joined = ';'.join(frames)
    if re.search(r'G1|GCTask|ConcurrentGC|ParallelGC|SafepointSynchronize|VMThread|VM_G1|CollectedHeap|MemAllocator', joined) and \
       not re.search(r'(^|;)(org|io|dev|com|java)[/.]', joined):
        return 'GC, VM threads'
    if re.search(r'CompileBroker|C2Compiler|Compilation::|Compile::|C1_|PhaseIdealLoop|CodeCache', joined):
        return 'JIT compiler'
    leaf = frames[-1]
    if leaf.endswith('_[k]') or SYSCALL.search(leaf):
        # a syscall: whose?
        for f in reversed(frames):
            if re.match(r'^(org/postgresql|org\.postgresql)', f): return 'kernel/syscalls: JDBC socket'
            if re.match(r'^(org/eclipse/jetty|org\.eclipse\.jetty)', f): return 'kernel/syscalls: Jetty socket'
        return 'kernel/syscalls: other (parking, clocks)'
    for f in reversed(frames):
        for name, rx in RULES:
            if rx.match(f): return name
    if re.search(r'Interpreter|interpreter', joined): return 'interpreter/VM other'
    return 'other (VM, native)'
tot = collections.Counter(); top = collections.defaultdict(collections.Counter)
n = 0
for line in open(path):
    line = line.rstrip('\n')
    if not line: continue
    stack, cnt = line.rsplit(' ', 1)
    cnt = int(cnt); frames = stack.split(';')
    l = layer(frames); tot[l] += cnt; n += cnt
    top[l][frames[-1]] += cnt
print(f'{path}: {n} samples; server {ms:.3f} CPU-ms/cycle')
for l, c in tot.most_common():
    print(f'  {l:40s} {c:7d} {100*c/n:5.1f} %  {ms*c/n:6.3f} ms/cycle')
    if topn:
        for f, k in top[l].most_common(topn): print(f'        {k:6d} {f[:110]}')
