/* For the allowPtrace tests (scripts/test-image-ptrace.sh builds it into berth-test/ptrace:latest).
 * Spawns two children; the second PTRACE_ATTACHes the first (a sibling, not its own child). Exit 0 when the
 * attach worked, 1 when ptrace refused it (errno printed), 2 on any other failure.
 *
 * `ptrace-sibling other-user`: the target first becomes nobody (65534). Docker's default seccomp profile allows
 * ptrace on kernels >= 4.8, and without Yama (ptrace_scope 1) or AppArmor a same-user sibling is traceable with no
 * grant at all; attaching to another user's process needs CAP_SYS_PTRACE everywhere, so this mode shows what the
 * allowPtrace feature grants on any host. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int other_user = argc > 1 && strcmp(argv[1], "other-user") == 0;
    int ready[2];
    if (pipe(ready) != 0) { perror("pipe"); return 2; }
    pid_t target = fork();
    if (target < 0) { perror("fork"); return 2; }
    if (target == 0) {
        if (other_user && (setgid(65534) != 0 || setuid(65534) != 0)) { perror("setuid"); _exit(2); }
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1) _exit(2);
        for (;;) pause();
    }
    char c;
    close(ready[1]);
    if (read(ready[0], &c, 1) != 1) { fprintf(stderr, "the target did not start\n"); kill(target, SIGKILL); return 2; }
    pid_t tracer = fork();
    if (tracer < 0) { perror("fork"); kill(target, SIGKILL); return 2; }
    if (tracer == 0) {
        if (ptrace(PTRACE_ATTACH, target, NULL, NULL) != 0) {
            printf("ptrace: PTRACE_ATTACH of sibling %d refused: %s (errno %d)\n", (int) target, strerror(errno), errno);
            fflush(stdout);
            _exit(1);
        }
        int status;
        if (waitpid(target, &status, __WALL) != target || !WIFSTOPPED(status)) {
            printf("ptrace: sibling %d did not stop after attach\n", (int) target);
            fflush(stdout);
            _exit(2);
        }
        ptrace(PTRACE_DETACH, target, NULL, NULL);
        printf("ptrace: attached to sibling %d and detached\n", (int) target);
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(tracer, &status, 0);
    kill(target, SIGKILL);
    waitpid(target, NULL, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
