package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Checks that this machine can run PAIR Stream: Java version, and DJL's PyTorch engine loading offline. */
@Command(name = "doctor",
        mixinStandardHelpOptions = true,
        description = "Check the Java runtime and load the PyTorch engine offline; report versions, the natives"
                + " directory and the engine load time.")
final class DoctorCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        PyTorchRuntime.RuntimeInfo engine = PyTorchRuntime.describe();
        double loadSeconds = (System.nanoTime() - started) / 1e9;

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("javaVersion", Runtime.version().toString());
        report.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        report.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        report.put("engine", engine.engineName());
        report.put("engineVersion", engine.engineVersion());
        report.put("device", engine.device());
        report.put("offline", engine.offline());
        report.put("nativesDirectory", engine.nativesDirectory().toString());
        report.put("engineLoadSeconds", Math.round(loadSeconds * 1000) / 1000.0);

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            report.forEach((name, value) -> out.printf("%-20s %s%n", name, value));
        }
        out.flush();
        return 0;
    }
}
