package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateNetworkResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.TaskNetwork;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** The engine's bridge networks made for single runs. */
final class DockerNetworks {

    private final DockerClient docker;
    /** Turns a transport failure into the runtime's "engine went away" (the runtime's own wording). */
    private final BiFunction<String, RuntimeException, RuntimeException> engineGone;

    DockerNetworks(DockerClient docker, BiFunction<String, RuntimeException, RuntimeException> engineGone) {
        this.docker = docker;
        this.engineGone = engineGone;
    }

    TaskNetwork create(String name, Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(ContainerRuntime.LABEL_MANAGED, "true");
        try {
            CreateNetworkResponse created = docker.createNetworkCmd()
                    .withName(name)
                    .withDriver("bridge")
                    .withCheckDuplicate(true)
                    .withLabels(all)
                    .exec();
            return describe(docker.inspectNetworkCmd().withNetworkId(created.getId()).exec());
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot create network " + name + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw engineGone.apply("creating network " + name, e);
        }
    }

    void remove(String idOrName) {
        try {
            docker.removeNetworkCmd(idOrName).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot remove network " + idOrName + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw engineGone.apply("removing network " + idOrName, e);
        }
    }

    List<TaskNetwork> list(Map<String, String> labels) {
        try {
            return docker.listNetworksCmd().withFilter("label", labels.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).toList()).exec().stream()
                    .map(DockerNetworks::describe).toList();
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot list networks: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw engineGone.apply("listing networks", e);
        }
    }

    private static TaskNetwork describe(Network n) {
        String gateway = null;
        if (n.getIpam() != null && n.getIpam().getConfig() != null) {
            for (Network.Ipam.Config c : n.getIpam().getConfig()) {
                if (c.getGateway() != null && !c.getGateway().contains(":")) {
                    gateway = c.getGateway();
                    break;
                }
            }
        }
        return new TaskNetwork(n.getId(), n.getName(), gateway, n.getLabels());
    }
}
