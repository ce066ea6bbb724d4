package dev.pairstream.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One child process of {@code ./pair demo}: the broker or a service. Its output goes to a log file, appended across
 * restarts. A service has an HTTP port, and its readiness endpoint reports when it is ready.
 */
final class DemoProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final Path log;
    private final int httpPort;
    private Process process;
    private int starts;

    /**
     * Describes a process; nothing starts yet.
     *
     * @param httpPort the service's HTTP port on 127.0.0.1, or 0 for a process without one
     */
    DemoProcess(String name, List<String> command, Map<String, String> environment, Path workingDirectory, Path log,
            int httpPort) {
        this.name = Objects.requireNonNull(name, "name");
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.workingDirectory = Objects.requireNonNull(workingDirectory, "workingDirectory");
        this.log = Objects.requireNonNull(log, "log");
        this.httpPort = httpPort;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    int httpPort() {
        return httpPort;
    }

    /** Returns how many times the process was started. */
    synchronized int starts() {
        return starts;
    }

    /** Starts the process, or starts it again after it ended. */
    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as process " + process.pid());
        }
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(detached(command)).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
            starts++;
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to start " + name + " (" + String.join(" ", command) + ")", e);
        }
    }

    /**
     * Runs the command in a session of its own when util-linux's {@code setsid} is there, so that Ctrl-C in the
     * terminal reaches only the demo, which then stops the services before the broker. Without it, every process
     * gets the interrupt at once. {@code setsid} replaces itself with the command, so the process id stays the
     * command's.
     */
    private static List<String> detached(List<String> command) {
        for (String folder : List.of("/usr/bin", "/bin")) {
            Path setsid = Path.of(folder, "setsid");
            if (Files.isExecutable(setsid)) {
                List<String> wrapped = new ArrayList<>(command.size() + 1);
                wrapped.add(setsid.toString());
                wrapped.addAll(command);
                return wrapped;
            }
        }
        return command;
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Returns the process id, or -1 before the first start. */
    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Returns the exit code of an ended process, or null while it runs or before its first start. */
    synchronized Integer exitCode() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    /** Returns whether the service's readiness check returns HTTP 200 (UP). */
    boolean isReady() {
        if (httpPort == 0 || !isAlive()) {
            return false;
        }
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                    + "/q/health/ready")).timeout(Duration.ofSeconds(3)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Asks the process to end (SIGTERM), so that a service closes its consumers and commits, and kills it when it has
     * not ended after {@code grace}. Returns the exit code, or null when it was never started.
     */
    Integer stop(Duration grace) {
        Process running;
        synchronized (this) {
            running = process;
        }
        if (running == null) {
            return null;
        }
        running.destroy();
        try {
            if (!running.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                running.destroyForcibly();
                running.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return running.isAlive() ? null : running.exitValue();
    }
}
