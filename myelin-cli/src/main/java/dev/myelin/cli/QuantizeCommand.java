package dev.myelin.cli;

import dev.myelin.compress.Calibration;
import dev.myelin.compress.ModelSizes;
import dev.myelin.compress.QuantizeOptions;
import dev.myelin.compress.Quantizer;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code myelin quantize -m in.myelin -o out.myelin --mode dynamic|static}: post-training int8 quantization of a saved model. */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize a saved model to int8 for inference: Dense, Conv1D, Conv2D and Embedding layers get int8 weights with one "
                + "scale per output channel (BatchNormalization after a linear layer is folded in first); other layers stay float.",
                "dynamic: activations are quantized per sample at run time; no data needed.",
                "static: each layer's input gets one fixed scale, calibrated on sample data (--calibration); Sequential models only.",
                "The output layer stays float unless --quantize-last. The result keeps the task the input file records, "
                        + "so 'myelin evaluate' and 'myelin predict' use it as they used the original."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin quantize -m cnn.myelin -o cnn-int8.myelin",
                "  myelin quantize -m cnn.myelin -o cnn-int8.myelin --quantize-last --keep-float conv2d",
                "  myelin quantize -m mlp.myelin -o mlp-int8s.myelin --mode static --calibration mnist --samples 512 --method entropy",
                "  myelin compare -m cnn.myelin cnn-int8.myelin --data mnist"})
final class QuantizeCommand implements Callable<Integer> {
    enum Mode { DYNAMIC, STATIC }

    enum Method { MINMAX, PERCENTILE, ENTROPY }

    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "The float model file to quantize.")
    Path modelFile;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Where to write the int8 model.")
    Path output;

    @Option(names = "--mode", paramLabel = "dynamic|static", description = "Activation quantization (default: ${DEFAULT-VALUE}).")
    Mode mode = Mode.DYNAMIC;

    @Option(names = "--calibration", paramLabel = "SOURCE",
            description = "static: the calibration samples, as --data takes them (mnist, an IDX folder, a CSV file). MNIST defaults to the training split.")
    String calibration;

    @Mixin
    DataOptions data;

    @Option(names = "--samples", paramLabel = "N", description = "static: calibrate on the first N samples (default: ${DEFAULT-VALUE}).")
    int samples = 512;

    @Option(names = "--method", paramLabel = "minmax|percentile|entropy",
            description = "static: how the seen activations become a range: the largest magnitude, a percentile of them (--percentile), "
                    + "or the clip of least KL divergence (default: ${DEFAULT-VALUE}).")
    Method method = Method.MINMAX;

    @Option(names = "--percentile", paramLabel = "P", description = "static, --method percentile: the percentile of magnitudes, in (0, 100] (default: ${DEFAULT-VALUE}).")
    double percentile = 99.99;

    @Option(names = "--keep-float", paramLabel = "LAYER", split = ",", description = "Layers to leave in float, comma-separated names (see 'myelin summary').")
    List<String> keepFloat = new ArrayList<>();

    @Option(names = "--quantize-last", description = "Quantize the output layer too (smaller; its int8 error shows most).")
    boolean quantizeLast;

    @Option(names = "--no-fold-batchnorm", description = "Keep BatchNormalization layers instead of folding them into the layer before.")
    boolean noFold;

    @Override
    public Integer call() throws Exception {
        var cl = command.commandLine();
        boolean staticMode = mode == Mode.STATIC;
        if (calibration != null) {
            if (data.data != null) throw new ParameterException(cl, "give the calibration data once: --calibration or --data, not both");
            data.data = calibration;
        }
        boolean hasData = data.data != null || data.dataDir != null;
        if (!staticMode && hasData) throw new ParameterException(cl, "calibration data is for --mode static; dynamic quantization needs none");
        if (!staticMode && method != Method.MINMAX) throw new ParameterException(cl, "--method is for --mode static");
        if (staticMode && !hasData) throw new ParameterException(cl, "--mode static needs calibration data: --calibration mnist, a CSV file or an IDX folder");
        if (samples < 1) throw new ParameterException(cl, "--samples must be at least 1, got " + samples);
        if (!(percentile > 0 && percentile <= 100)) throw new ParameterException(cl, "--percentile must be in (0, 100], got " + percentile);
        if (modelFile.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
            throw new ParameterException(cl, "--output must differ from --model: keep the float model to compare against");
        }

        EvaluateCommand.Loaded m = EvaluateCommand.Loaded.read(modelFile);
        QuantizeOptions options = QuantizeOptions.defaults().keepLastFloat(!quantizeLast).foldBatchNorm(!noFold).keepFloat(keepFloat.toArray(String[]::new));
        Model q;
        Map<String, Object> info = new LinkedHashMap<>();
        if (staticMode) {
            if (data.limit == null || data.limit > samples) data.limit = samples;
            data.validate(cl, false);
            DataOptions.Data d = data.load(cl, DataOptions.Split.TRAIN, m.task().featureColumns());
            Tensor x = d.xFor(m.model().inputShapes().getFirst());
            Calibration c = switch (method) {
                case MINMAX -> Calibration.max();
                case PERCENTILE -> Calibration.percentile(percentile);
                case ENTROPY -> Calibration.entropy();
            };
            q = Quantizer.staticInt8(m.model(), options, x, c);
            info.put("calibration", Map.of("data", d.description, "samples", d.size(), "method", c.toString()));
            main.out.printf(Locale.ROOT, "Calibrated on %,d samples of %s (%s)%n", d.size(), d.description, c);
        } else {
            q = Quantizer.dynamic(m.model(), options);
        }
        Set<String> chosen = Quantizer.chooseLayers(options.foldBatchNorm() ? Quantizer.foldBatchNorm(m.model()) : m.model(), options);
        info.put("method", staticMode ? "int8_static" : "int8_dynamic");
        info.put("layers", new ArrayList<>(chosen));
        save(q, m, modelFile, output, info);
        main.out.printf(Locale.ROOT, "Quantized %d layer%s to int8 (%s): %s%n", chosen.size(), chosen.size() == 1 ? "" : "s",
                staticMode ? "static" : "dynamic", String.join(", ", chosen));
        Set<String> floats = new LinkedHashSet<>();
        for (var l : q.layers()) if (!chosen.contains(l.name()) && !l.weights().isEmpty()) floats.add(l.name());
        if (!floats.isEmpty()) main.out.println("Kept in float: " + String.join(", ", floats));
        main.out.println(ModelSizes.compare(modelFile, output));
        main.out.flush();
        return 0;
    }

    /**
     * Saves a compressed model with what made it: the source file's training information (so the
     * task, its loss and metrics carry over to evaluate and predict) plus {@code compression}.
     */
    static void save(Model compressed, EvaluateCommand.Loaded source, Path sourceFile, Path output, Map<String, Object> compression) throws IOException {
        Training.createParent(output);
        Map<String, Object> info = new LinkedHashMap<>();
        if (source.metadata().get("training") instanceof Map<?, ?> t) {
            for (var e : t.entrySet()) info.put(String.valueOf(e.getKey()), e.getValue());
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("source", sourceFile.getFileName().toString());
        c.put("source_bytes", Files.size(sourceFile));
        c.putAll(compression);
        info.put("compression", c);
        ModelFile.save(compressed, output, info);
    }
}
