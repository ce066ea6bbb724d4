package dev.pairstream.erasure.emoji;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@code npm pack PACKAGE@VERSION} to download a registry tarball without installing anything. */
final class NpmPackRunner {

    private static final Logger LOG = LoggerFactory.getLogger(NpmPackRunner.class);

    /** Characters of npm's error output quoted in a failure message. */
    private static final int ERROR_TAIL_CHARS = 2000;

    private final List<String> command;
    private final Duration timeout;

    /**
     * Creates a runner.
     *
     * @param command the npm executable and any leading arguments, such as {@code [npm]}
     * @param timeout how long {@code npm pack} may run before it is killed
     */
    NpmPackRunner(List<String> command, Duration timeout) {
        if (command.isEmpty() || command.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("Invalid npm command " + command + "; expected the executable, such"
                    + " as [npm]");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Invalid npm timeout " + timeout + "; expected a positive duration");
        }
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    /**
     * Runs npm in a fresh folder under {@code workParent} and moves the tarball it writes to {@code destination}.
     * The folder is removed afterwards, whatever the outcome.
     *
     * @throws IOException when npm cannot start, fails, times out or reports no tarball
     */
    void pack(String packageSpec, Path workParent, Path destination) throws IOException {
        Path work = Files.createTempDirectory(workParent, "npm-pack-");
        try {
            Path stdout = work.resolve("npm-stdout.json");
            Path stderr = work.resolve("npm-stderr.txt");
            List<String> arguments = new ArrayList<>(command);
            // --ignore-scripts: a registry tarball needs no lifecycle scripts, and none should run here.
            arguments.addAll(List.of("pack", packageSpec, "--json", "--ignore-scripts"));
            LOG.info("Running {} in {}", String.join(" ", arguments), work);
            ProcessBuilder builder = new ProcessBuilder(arguments)
                    .directory(work.toFile())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new IOException("Failed to start " + command.get(0) + " for npm pack " + packageSpec + ": "
                        + e.getMessage() + ". Install Node.js with npm, or pass the npm executable to use.", e);
            }
            int exitCode = waitFor(process, packageSpec);
            if (exitCode != 0) {
                throw new IOException("npm pack " + packageSpec + " failed with exit code " + exitCode + ": "
                        + tail(stderr));
            }
            Path tarball = work.resolve(reportedFileName(stdout, stderr, packageSpec));
            if (!Files.isRegularFile(tarball)) {
                throw new IOException("npm pack " + packageSpec + " reported the tarball " + tarball.getFileName()
                        + " but did not write it to " + work);
            }
            Files.move(tarball, destination, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Folders.deleteQuietly(work);
        }
    }

    private int waitFor(Process process, String packageSpec) throws IOException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("npm pack " + packageSpec + " timed out after " + timeout.toSeconds()
                        + " s; check the network and the npm registry setting, or allow a longer timeout");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("Interrupted while npm pack "
                    + packageSpec + " was running");
            interrupted.initCause(e);
            throw interrupted;
        }
    }

    /** Reads the tarball file name from npm's {@code --json} report: an array with one object per package. */
    private static String reportedFileName(Path stdout, Path stderr, String packageSpec) throws IOException {
        String output = Files.readString(stdout, StandardCharsets.UTF_8);
        JsonNode report;
        try {
            // Older npm versions may print a notice line before the JSON, so parsing starts at the array.
            int start = output.indexOf('[');
            report = new ObjectMapper().readTree(start < 0 ? output : output.substring(start));
        } catch (JacksonException e) {
            throw new IOException("npm pack " + packageSpec + " printed no JSON report: " + e.getOriginalMessage()
                    + "; output: " + abbreviate(output) + "; errors: " + tail(stderr), e);
        }
        JsonNode fileName = report == null || !report.isArray() || report.isEmpty() ? null
                : report.get(0).get("filename");
        if (fileName == null || !fileName.isTextual() || fileName.asText().isBlank()
                || fileName.asText().contains("/") || fileName.asText().contains("\\")) {
            throw new IOException("npm pack " + packageSpec + " printed no tarball file name in its JSON report: "
                    + abbreviate(output));
        }
        return fileName.asText();
    }

    private static String tail(Path file) throws IOException {
        String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : "";
        if (text.isEmpty()) {
            return "(no error output)";
        }
        return text.length() <= ERROR_TAIL_CHARS ? text : "..." + text.substring(text.length() - ERROR_TAIL_CHARS);
    }

    private static String abbreviate(String text) {
        String stripped = text.strip();
        return stripped.length() <= ERROR_TAIL_CHARS ? stripped : stripped.substring(0, ERROR_TAIL_CHARS) + "...";
    }
}
