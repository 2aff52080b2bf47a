package dev.berth.worker.payload;

/**
 * One thing wrong with a payload.
 *
 * @param path where, as a JSON pointer ({@code /artifacts/public~1logs/type}); {@code /} for the payload itself
 * @param message what, in words for the task log
 */
public record PayloadProblem(String path, String message) {

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
