package dev.berth.worker.runtime;

import java.util.Objects;

/**
 * Credentials the worker uses to pull from one registry.
 *
 * @param registry the registry host as it appears in image names ({@code registry.example.com:5000});
 *     {@code docker.io} for Docker Hub
 */
public record RegistryCredentials(String registry, String username, String password) {

    public RegistryCredentials {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        // never let a password reach a log line through toString
        return "RegistryCredentials[registry=" + registry + ", username=" + username + ", password=***]";
    }
}
