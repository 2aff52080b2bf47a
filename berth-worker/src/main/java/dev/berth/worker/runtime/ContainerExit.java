package dev.berth.worker.runtime;

/**
 * How a container ended, as the engine recorded it.
 *
 * @param exitCode the main process's exit code (137 after SIGKILL)
 * @param oomKilled the engine's {@code State.OOMKilled}: the kernel killed a process for exceeding
 *     the memory limit. Taken from the engine, never guessed from exit code 137, which a plain kill
 *     also gives.
 */
public record ContainerExit(long exitCode, boolean oomKilled) {}
