package dev.pairstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./pair} command line: everything in PAIR Stream that is not a long-running service.
 *
 * <p>Each subcommand is its own class. Commands that measure something accept {@code --json} and then print
 * their figures as one JSON object on standard output, with log lines on standard error.
 */
@Command(name = "pair",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "PAIR Stream: erase unsafe concepts from text-to-image models with paired, Fisher-weighted"
                + " DoRA adapters.",
        subcommands = {
            DemoCommand.class,
            DataCommand.class,
            TrainCommand.class,
            SampleCommand.class,
            EvalCommand.class,
            EraseCommand.class,
            CompareCommand.class,
            BenchCommand.class,
            BrokerCommand.class,
            DoctorCommand.class,
            CommandLine.HelpCommand.class
        })
public final class PairCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** Builds the command line with its subcommands, ready to execute. */
    public static CommandLine commandLine() {
        return new CommandLine(new PairCli()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        // The pair generator logs through JBoss Logging, and Quarkus' log manager is not on this classpath. Route it
        // to SLF4J, which writes to standard error, unless the caller chose another provider.
        if (System.getProperty("org.jboss.logging.provider") == null) {
            System.setProperty("org.jboss.logging.provider", "slf4j");
        }
        System.exit(commandLine().execute(args));
    }
}
