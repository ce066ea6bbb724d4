package dev.pairstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Groups the training commands: {@code ./pair train <model>}. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = "Train one of the embedded models.",
        subcommands = {
            TrainBaseCommand.class,
            TrainDetectorCommand.class
        })
final class TrainCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing model to train: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
