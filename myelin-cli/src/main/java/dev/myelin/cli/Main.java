package dev.myelin.cli;

import dev.myelin.backend.Backends;
import dev.myelin.nn.io.ModelFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The {@code myelin} command: train a model from a spec file, evaluate it, predict with it, show
 * a saved model, fetch the data sets, or run the MNIST quickstart.
 *
 * <pre>{@code int exit = Main.run(System.out, System.err, "train", "mnist-mlp", "--data", "mnist", "--output", "mlp.myelin");}</pre>
 *
 * Exit codes: 0 done, 1 the command failed (a bad file, a bad spec, a failed download), 2 the
 * command line was wrong. Either failure is one line on stderr; {@code --verbose} adds the stack
 * trace.
 */
@Command(name = "myelin",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Train, evaluate and run Myelin models from the command line.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, SummaryCommand.class,
                QuantizeCommand.class, PruneCommand.class, CompareCommand.class,
                DatasetsCommand.class, QuickstartCommand.class, ExampleCommand.class, dev.myelin.serve.ServeCommand.class, dev.myelin.iot.MqttCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin quickstart         (the Keras MNIST convnet, to 99% test accuracy)",
                "  myelin datasets mnist",
                "  myelin train mnist-mlp --data mnist --output mlp.myelin",
                "  myelin train spec.yaml --data t.csv --label-column y -o t.myelin",
                "  myelin evaluate --model mlp.myelin --data mnist",
                "  myelin predict --model mlp.myelin --data mnist -o preds.csv",
                "  myelin summary --model mlp.myelin",
                "  myelin quantize -m cnn.myelin -o cnn-int8.myelin --quantize-last",
                "  myelin prune -m cnn.myelin -o cnn-pruned.myelin --sparsity 0.8 --epochs 2 --data mnist",
                "  myelin compare -m cnn.myelin cnn-int8.myelin cnn-pruned.myelin --data mnist",
                "  myelin example imdb-lstm  (Embedding + LSTM sentiment on IMDB)",
                "  myelin serve --models models --port 8080",
                "  myelin mqtt --config bridge.yaml   (live predictions on MQTT device streams)",
                "",
                "Spec files: docs/spec-files.md.",
                "Exit codes: 0 done, 1 failed, 2 bad command line."})
public final class Main implements Runnable {

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "On an error, print the stack trace too.")
    boolean verbose;

    @CommandLine.Spec
    CommandSpec spec;

    final PrintStream out;
    final PrintStream err;

    /** Writes to System.out and System.err. */
    public Main() {
        this(System.out, System.err);
    }

    /** Writes results to {@code out} and errors to {@code err} (tests capture both). */
    public Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "missing a command: expected one of train, evaluate, predict, summary, quantize, prune, compare, datasets, quickstart, example, serve, mqtt");
    }

    /** Runs one command line and returns its exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return commandLine(new Main(out, err)).execute(args);
    }

    /** The picocli command line for {@code main}, with its streams and Myelin's error handling. */
    public static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(main.out, true));
        cl.setErr(new PrintWriter(main.err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpAutoWidth(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String message = oneLine(ex.getMessage());
            if (ex instanceof CommandLine.UnmatchedArgumentException u && c.getCommandSpec().parent() == null
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
                message = "unknown command '" + u.getUnmatched().getFirst() + "': expected one of "
                        + String.join(", ", c.getSubcommands().keySet());
            }
            main.err.println(c.getCommandSpec().qualifiedName() + ": " + message
                    + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            if (main.verbose) ex.printStackTrace(main.err);
            main.err.flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            main.err.println(c.getCommandSpec().qualifiedName() + ": " + describe(ex));
            if (main.verbose) ex.printStackTrace(main.err);
            main.err.flush();
            return c.getCommandSpec().exitCodeOnExecutionException();
        });
        return cl;
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(System.out, System.err, args);
        } catch (OutOfMemoryError e) {
            System.err.println("myelin: out of memory (" + e.getMessage() + "); give Java more with MYELIN_JAVA_OPTS=-Xmx8g");
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    /** The one line shown for a failure: the message for the errors users cause, the type too for anything else. */
    static String describe(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        return switch (t) {
            case NoSuchFileException f -> f.getFile() + ": no such file or folder";
            case AccessDeniedException f -> f.getFile() + ": permission denied";
            case NotDirectoryException f -> f.getFile() + ": not a folder";
            case FileSystemException f -> f.getFile() + ": " + (f.getReason() != null ? f.getReason() : t.getClass().getSimpleName());
            case java.io.IOException io -> oneLine(io.getMessage());
            case IllegalArgumentException _, IllegalStateException _, UnsupportedOperationException _, ArithmeticException _ -> oneLine(t.getMessage());
            default -> "internal error: " + t.getClass().getName() + ": " + oneLine(t.getMessage())
                    + " (run with --verbose for the stack trace)";
        };
    }

    /** Collapses a message to one line. */
    static String oneLine(String s) {
        if (s == null || s.isBlank()) return "(no detail)";
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    /** How the user started us, for the hints we print: "./myelin" from the launcher, else "myelin". */
    static String commandName() {
        return System.getProperty("myelin.command", "myelin");
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{
                    "myelin " + ModelFile.myelinVersion() + " (model file format " + ModelFile.FORMAT_VERSION + ")",
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                            + ", backend " + Backends.current().name()};
        }
    }
}
