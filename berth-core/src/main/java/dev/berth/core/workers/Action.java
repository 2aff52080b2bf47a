package dev.berth.core.workers;

/** An action a provisioner declares (Taskcluster's actions.json item); kept and shown as declared. */
public record Action(String name, String title, String context, String url, String method, String description) {}
