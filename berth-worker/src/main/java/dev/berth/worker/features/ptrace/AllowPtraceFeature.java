package dev.berth.worker.features.ptrace;

import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import dev.berth.worker.payload.DockerPayload;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code features.allowPtrace} (scope {@code docker-worker:feature:allowPtrace}): the task's processes may
 * ptrace one another, a sibling as well as a child (a crash reporter attaching to the process that crashed).
 *
 * <p>What the kernel needs: {@code CAP_SYS_PTRACE}, which Docker leaves out of a container's capabilities
 * (without it, attaching to a process of another user or a non-dumpable one is refused, and so is any
 * non-descendant on hosts with Yama's ptrace_scope 1). Docker's default seccomp profile lets ptrace through on
 * kernels from 4.8 on, and with the capability on older ones. Where AppArmor confines containers, the run also
 * gets a profile of its own ({@link PtraceProfile}) that allows ptrace among its processes, loaded before the
 * container is created and removed when the run is over.
 */
public final class AllowPtraceFeature implements TaskFeature {

    public static final String KEY = "allowPtrace";
    public static final String SCOPE = "docker-worker:feature:" + KEY;

    private static final Logger LOG = LoggerFactory.getLogger(AllowPtraceFeature.class);

    private final AppArmor appArmor;

    public AllowPtraceFeature(AppArmor appArmor) {
        this.appArmor = appArmor;
        LOG.info("feature allowPtrace: {}; {}", appArmor.describe(), appArmor.active()
                ? "each run asking for it gets CAP_SYS_PTRACE and a profile of its own"
                : "CAP_SYS_PTRACE is all a run asking for it needs");
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public List<String> requiredScopes(DockerPayload payload) {
        return List.of(SCOPE);
    }

    @Override
    public RunFeature open(FeatureRun run) {
        return new Run(run);
    }

    private final class Run implements RunFeature {
        private final FeatureRun run;
        private Path loaded;

        Run(FeatureRun run) {
            this.run = run;
        }

        @Override
        public void beforeCreate(ContainerSetup setup) throws FeatureFailure, InterruptedException {
            setup.capability("SYS_PTRACE");
            if (!appArmor.active()) {
                run.log().accept("allowPtrace: CAP_SYS_PTRACE given; " + appArmor.describe()
                        + ", so the capability is all ptrace needs");
                return;
            }
            PtraceProfile profile = PtraceProfile.forRun(run.taskId(), run.runId());
            try {
                loaded = appArmor.load(profile.name(), profile.text());
            } catch (IOException e) {
                throw FeatureFailure.unavailable("allowPtrace: the AppArmor profile " + profile.name()
                        + " could not be loaded on this host: " + e.getMessage(), e);
            }
            setup.securityOpt("apparmor=" + profile.name());
            run.log().accept("allowPtrace: CAP_SYS_PTRACE given; AppArmor profile " + profile.name()
                    + " lets the task's processes trace one another");
        }

        @Override
        public void close() {
            Path file = loaded;
            loaded = null;
            if (file == null) return;
            try {
                appArmor.remove(file);
                LOG.debug("run {}/{}: AppArmor profile {} removed", run.taskId(), run.runId(), file.getFileName());
            } catch (IOException e) {
                LOG.warn("run {}/{}: could not remove AppArmor profile {}: {}", run.taskId(), run.runId(),
                        file.getFileName(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("run {}/{}: interrupted while removing AppArmor profile {}", run.taskId(), run.runId(),
                        file.getFileName());
            }
        }
    }
}
