package dev.pairstream.cli;

import picocli.CommandLine;

/** Reports the project version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = PairCli.class.getPackage().getImplementationVersion();
        return new String[] {"pair " + (version == null ? "development" : version)};
    }
}
