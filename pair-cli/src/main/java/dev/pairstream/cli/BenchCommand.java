package dev.pairstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Groups the bench commands: {@code ./pair bench <target>}. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Run a benchmark and print its figures.",
        subcommands = {
            BenchCoreCommand.class,
            BenchFisherCommand.class,
            BenchFisherStreamCommand.class,
            BenchPairsCommand.class
        })
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing benchmark: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
