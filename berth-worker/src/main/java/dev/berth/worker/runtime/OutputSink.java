package dev.berth.worker.runtime;

/** Receives a container's output as it is written. */
@FunctionalInterface
public interface OutputSink {

    /** One chunk of output; the array is the sink's to keep. */
    void write(byte[] chunk);
}
