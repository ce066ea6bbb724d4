package dev.pairstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Groups the eval commands: {@code ./pair eval <target>}. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        description = "Evaluate one of the embedded models.",
        subcommands = {
            EvalBaseCommand.class,
            EvalPairsCommand.class
        })
final class EvalCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing model to evaluate: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
