package dev.berth.worker.features.ptrace;

import java.util.Locale;

/**
 * The AppArmor profile of one run with allowPtrace: the confinement a container has by default (no mounts, no
 * writes to the kernel's knobs under /proc and /sys), plus ptrace and signals between processes of this profile,
 * which are exactly the task's processes. Named after the run, so no other container shares it.
 */
public record PtraceProfile(String name, String text) {

    /** The run's profile: {@code berth-ptrace-<taskId>-<runId>} (a task id may hold {@code -} and {@code _}). */
    public static PtraceProfile forRun(String taskId, int runId) {
        String name = "berth-ptrace-" + taskId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_") + "-" + runId;
        return new PtraceProfile(name, text(name));
    }

    private static String text(String name) {
        return String.join("\n",
                "# allowPtrace profile of one Berth run; loaded before its container starts, removed after it",
                "profile " + name + " flags=(attach_disconnected,mediate_deleted) {",
                "  network,",
                "  capability,",
                "  file,",
                "  umount,",
                "  # the task's processes may trace and signal one another, and nothing else",
                "  ptrace (trace,read,tracedby,readby) peer=" + name + ",",
                "  signal (send,receive) peer=" + name + ",",
                "  # the engine stops the container",
                "  signal (receive) peer=unconfined,",
                "  deny mount,",
                "  # the kernel's knobs stay out of reach, as in the container's default confinement",
                "  deny /proc/sysrq-trigger rwklx,",
                "  deny /proc/kcore rwklx,",
                "  deny /proc/sys/** wklx,",
                "  deny /sys/** wklx,",
                "  deny /sys/firmware/** rwklx,",
                "  deny /sys/kernel/security/** rwklx,",
                "}",
                "");
    }
}
