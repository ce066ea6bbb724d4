package dev.pairstream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The end-to-end main job: flagged prompts in, a promoted adapter out. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = "Not available yet. Will run the whole pipeline on the embedded emoji-world model: broker,"
                + " four services, flagged prompts in, a promoted adapter out.")
final class DemoCommand implements Callable<Integer> {

    /** Exit code for a command that exists but has nothing to run yet. */
    static final int NOT_AVAILABLE = 3;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // NOTE: the services do not process records yet, so there is no pipeline to run. The command reports
        // that and exits non-zero.
        spec.commandLine().getErr().println("pair demo: not yet available. The broker and the four services start and report"
                + " health, but they do not process records yet. Run './pair broker' to start a broker.");
        return NOT_AVAILABLE;
    }
}
