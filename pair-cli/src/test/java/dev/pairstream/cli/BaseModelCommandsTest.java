package dev.pairstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.pipeline.ModelFolder;
import dev.pairstream.erasure.pipeline.TextEncoderSettings;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs the base-model commands as a user would, on their own command lines. */
class BaseModelCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path folder;

    private int run(Object command, String... args) {
        CommandLine commandLine = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    /** Writes a model folder with a small randomly initialized 32-pixel UNet. */
    private Path writeSmallModel() throws Exception {
        UNet2DConditionConfig tiny = UNet2DConditionConfig.tiny();
        UNet2DConditionConfig config = new UNet2DConditionConfig(tiny.className(), 32, 3, 3, false, true, 0,
                List.of(UNet2DConditionConfig.DOWN_BLOCK, UNet2DConditionConfig.CROSS_ATTN_DOWN_BLOCK),
                UNet2DConditionConfig.MID_BLOCK_CROSS_ATTN,
                List.of(UNet2DConditionConfig.CROSS_ATTN_UP_BLOCK, UNet2DConditionConfig.UP_BLOCK),
                tiny.blockOutChannels(), 1, 1, 1.0, UNet2DConditionConfig.ACT_FN_SILU, tiny.normNumGroups(), 1e-5,
                384, 1, 2, false);
        Path model = folder.resolve("model");
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel unet = UNet2DConditionModel.initialize(config, manager, 1)) {
            ModelFolder.write(model, config, unet.weights().asMap(), SchedulerConfig.ddpmLinear(),
                    TextEncoderSettings.miniLm(32), Map.of("purpose", "command test"));
        }
        return model;
    }

    @Test
    void sampleWritesGridAndPrintsOneJsonLine() throws Exception {
        // Given
        Path model = writeSmallModel();
        Path png = folder.resolve("out/grid.png");

        // When
        int exitCode = run(new SampleCommand(), "--model", model.toString(), "--prompt", "a red apple", "--prompt",
                "a blue car", "--count", "2", "--steps", "2", "--scale", "2", "--threads", "1", "--out",
                png.toString(), "--json");

        // Then
        assertEquals(0, exitCode, err.toString());
        String[] lines = out.toString().strip().split("\n");
        assertEquals(1, lines.length, "--json prints exactly one line");
        JsonNode report = new ObjectMapper().readTree(lines[0]);
        assertEquals(4, report.get("pictures").asInt());
        assertEquals(2, report.get("steps").asInt());
        BufferedImage grid = ImageIO.read(png.toFile());
        assertEquals(2 + 2 * (64 + 2), grid.getWidth(), "two pictures per row");
        assertEquals(2 + 2 * (64 + 2), grid.getHeight(), "one row per prompt");
    }

    @Test
    void sampleRejectsTooManySteps() {
        int exitCode = run(new SampleCommand(), "--prompt", "x", "--steps", "60", "--out",
                folder.resolve("x.png").toString());

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("Invalid inference steps 60; expected 1 to 50");
    }

    @Test
    void sampleReportsMissingModelFolder() {
        Path missing = folder.resolve("no-model");

        int exitCode = run(new SampleCommand(), "--model", missing.toString(), "--prompt", "x", "--threads", "1",
                "--out", folder.resolve("x.png").toString());

        assertEquals(SampleCommand.FAILED, exitCode);
        assertThat(err.toString()).contains("pair sample: ", missing.toString(), "./pair train base");
    }

    @Test
    void trainBaseRejectsInvalidBatchSize() {
        int exitCode = run(new TrainBaseCommand(), "--batch-size", "0", "--run-dir",
                folder.resolve("run").toString());

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("Invalid training config field batchSize: 0; expected an integer >= 1");
    }

    @Test
    void trainBaseReportsMissingData() {
        Path missing = folder.resolve("no-data");

        int exitCode = run(new TrainBaseCommand(), "--data-dir", missing.toString(), "--run-dir",
                folder.resolve("run").toString(), "--threads", "1");

        assertEquals(TrainBaseCommand.FAILED, exitCode);
        assertThat(err.toString()).contains("pair train base: ", missing.toString());
    }

    @Test
    void evalBaseReportsMissingDetector() throws Exception {
        Path model = writeSmallModel();
        Path missing = folder.resolve("no-detector");

        int exitCode = run(new EvalBaseCommand(), "--model", model.toString(), "--detector", missing.toString(),
                "--threads", "1", "--out", folder.resolve("eval").toString());

        assertEquals(EvalBaseCommand.FAILED, exitCode);
        assertThat(err.toString()).contains("pair eval base: ", missing.toString());
    }

    @Test
    void benchCoreRejectsZeroRepeats() {
        int exitCode = run(new BenchCoreCommand(), "--repeats", "0");

        assertEquals(2, exitCode);
        assertThat(err.toString()).contains("Invalid measuredRepeats 0; expected at least 1");
    }

    @Test
    void commandsHaveTheirParentsSubcommandNames() {
        assertEquals("base", new CommandLine(new TrainBaseCommand()).getCommandName());
        assertEquals("sample", new CommandLine(new SampleCommand()).getCommandName());
        assertEquals("base", new CommandLine(new EvalBaseCommand()).getCommandName());
        assertEquals("core", new CommandLine(new BenchCoreCommand()).getCommandName());
        assertTrue(new CommandLine(new TrainBaseCommand()).getCommandSpec().optionsMap().containsKey("--max-minutes"));
    }
}
