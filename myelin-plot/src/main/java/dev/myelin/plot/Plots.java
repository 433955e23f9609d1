package dev.myelin.plot;

import dev.myelin.nn.callbacks.History;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Pictures of training, written as PNG files (atomically, without a display): the loss and metric
 * curves of a {@link History}, and a confusion matrix as a heat map. Drawn with XChart.
 *
 * <pre>{@code History h = model.fit(x, y, new FitOptions().epochs(20).validationSplit(0.1f));
 * Plots.trainingCurves(h, Path.of("curves.png"));
 * Plots.confusionMatrix(ConfusionMatrix.compute(yTest, model.predict(xTest), 10), null, Path.of("confusion.png"));}</pre>
 */
public final class Plots {
    static {
        // Before the colours below: java.awt.Color's class initialiser already asks AWT whether it is headless.
        Png.headless();
    }

    /** Size in pixels of one panel of {@link #trainingCurves}. */
    public static final int PANEL_WIDTH = 640, PANEL_HEIGHT = 420;
    /** Panels per row in {@link #trainingCurves}. */
    public static final int PANEL_COLUMNS = 2;

    private static final Color TRAIN = new Color(0x1f77b4), VALIDATION = new Color(0xff7f0e);
    /** Beyond this many classes the cells of a confusion matrix are too small to hold their counts. */
    private static final int MAX_CLASSES_WITH_COUNTS = 30;
    /** Beyond this many epochs the curves are drawn without point markers. */
    private static final int MARKER_LIMIT = 40;

    private Plots() {}

    /**
     * One panel per quantity in the history, each against the epoch (from 1): the loss first, then
     * each metric in the order {@code fit} logged them, the training values with the validation ones
     * ("val_" + name) where present. The learning rate gets a panel only when it changed during
     * training. Panels are {@link #PANEL_WIDTH} by {@link #PANEL_HEIGHT} pixels, {@link #PANEL_COLUMNS}
     * to a row (one when there is a single panel). NaN and infinite values leave gaps; a quantity
     * with no finite value gets no panel.
     */
    public static void trainingCurves(History history, Path png) throws IOException {
        if (history == null || png == null) throw new IllegalArgumentException("trainingCurves: history and png must not be null");
        List<Integer> epochs = history.epochs();
        if (epochs.isEmpty()) throw new IllegalArgumentException("trainingCurves: the history has no epochs recorded");
        List<XYChart> charts = new ArrayList<>();
        for (String name : panelNames(history)) {
            XYChart chart = curveChart(history, name);
            if (chart.getSeriesCollection().isEmpty()) continue; // nothing finite to draw
            charts.add(chart);
        }
        if (charts.isEmpty()) throw new IllegalArgumentException("trainingCurves: no finite values to plot in " + history.all().keySet());

        int cols = Math.min(PANEL_COLUMNS, charts.size());
        int rows = (charts.size() + cols - 1) / cols;
        BufferedImage sheet = new BufferedImage(cols * PANEL_WIDTH, rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % cols) * PANEL_WIDTH, (i / cols) * PANEL_HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        Png.write(sheet, png);
    }

    /** "loss" first, then the other training quantities, then validation-only ones; "learning_rate" only if it varied. */
    static List<String> panelNames(History history) {
        Set<String> names = new LinkedHashSet<>();
        var all = history.all();
        if (all.containsKey("loss") || all.containsKey("val_loss")) names.add("loss");
        for (String k : all.keySet()) {
            String base = k.startsWith("val_") ? k.substring(4) : k;
            if (base.equals("learning_rate") && !varies(history.get(k))) continue;
            names.add(base);
        }
        return new ArrayList<>(names);
    }

    private static boolean varies(List<Double> values) {
        for (Double v : values) if (!v.equals(values.get(0))) return true;
        return false;
    }

    private static XYChart curveChart(History history, String name) {
        XYChart chart = new XYChart(PANEL_WIDTH, PANEL_HEIGHT);
        chart.setTitle(title(name));
        chart.setXAxisTitle("epoch");
        chart.setYAxisTitle(name);
        XYStyler s = chart.getStyler();
        axesStyle(s);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setMarkerSize(6);
        s.setPlotGridLinesVisible(true);
        s.setPlotGridLinesColor(new Color(0xe6e6e6));
        s.setPlotGridLinesStroke(new BasicStroke(1f));
        s.setPlotBorderColor(new Color(0x999999));
        // Epochs are whole numbers: label only whole ticks.
        s.setXAxisTickLabelsFormattingFunction(x -> Math.abs(x - Math.rint(x)) < 1e-9 ? Long.toString(Math.round(x)) : "");
        s.setYAxisDecimalPattern(name.equals("learning_rate") ? "0.0##E0" : "#,##0.0###");

        List<Integer> epochs = history.epochs();
        boolean markers = epochs.size() <= MARKER_LIMIT;
        addCurve(chart, "train", epochs, history.get(name), TRAIN, markers);
        addCurve(chart, "validation", epochs, history.get("val_" + name), VALIDATION, markers);
        double first = epochs.get(0) + 1, last = epochs.get(epochs.size() - 1) + 1;
        // A single epoch still gets an axis one unit wide around it.
        s.setXAxisMin(first == last ? first - 0.5 : first);
        s.setXAxisMax(first == last ? last + 0.5 : last);
        return chart;
    }

    private static void addCurve(XYChart chart, String label, List<Integer> epochs, List<Double> values, Color color, boolean markers) {
        if (values.isEmpty()) return;
        if (values.size() != epochs.size()) {
            throw new IllegalArgumentException("trainingCurves: " + values.size() + " values of '" + chart.getTitle() + "' (" + label + ") for " + epochs.size() + " epochs");
        }
        double[] x = new double[epochs.size()], y = new double[epochs.size()];
        boolean any = false;
        for (int i = 0; i < x.length; i++) {
            x[i] = epochs.get(i) + 1;
            double v = values.get(i);
            y[i] = Double.isFinite(v) ? v : Double.NaN;
            any |= Double.isFinite(v);
        }
        if (!any) return;
        XYSeries series = chart.addSeries(label, x, y);
        series.setLineColor(color);
        series.setMarkerColor(color);
        series.setLineStyle(new BasicStroke(2f));
        series.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    /** "accuracy" → "Accuracy", "learning_rate" → "Learning rate". */
    private static String title(String name) {
        String t = name.replace('_', ' ');
        return t.isEmpty() ? t : Character.toUpperCase(t.charAt(0)) + t.substring(1);
    }

    private static void axesStyle(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setChartFontColor(Color.DARK_GRAY);
        s.setChartTitleBoxVisible(false);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setLocale(Locale.ROOT);
        s.setAntiAlias(true);
    }

    // ------------------------------------------------------------------ confusion matrix

    /**
     * A heat map of {@code counts[true][predicted]} (as {@link ConfusionMatrix#compute} returns it)
     * with the count written in each cell: true classes down the side, the first at the top,
     * predicted classes along the bottom. {@code classNames} may be null (then "0", "1", ...). The
     * image grows with the number of classes ({@link #confusionMatrixSize}). Past 30 classes the
     * cells become too small to hold their counts: they are left out and a colour scale is drawn
     * beside the matrix instead.
     */
    public static void confusionMatrix(int[][] counts, String[] classNames, Path png) throws IOException {
        if (counts == null || png == null) throw new IllegalArgumentException("confusionMatrix: counts and png must not be null");
        int n = counts.length;
        if (n == 0) throw new IllegalArgumentException("confusionMatrix: no classes");
        int max = 0;
        for (int i = 0; i < n; i++) {
            if (counts[i] == null || counts[i].length != n) {
                throw new IllegalArgumentException("confusionMatrix: counts must be " + n + " x " + n + ", row " + i + " has "
                        + (counts[i] == null ? "none" : counts[i].length + " entries"));
            }
            for (int c : counts[i]) {
                if (c < 0) throw new IllegalArgumentException("confusionMatrix: counts must not be negative, row " + i + " has " + c);
                max = Math.max(max, c);
            }
        }
        String[] names = classNames;
        if (names == null) {
            names = new String[n];
            for (int i = 0; i < n; i++) names[i] = Integer.toString(i);
        } else if (names.length != n) {
            throw new IllegalArgumentException("confusionMatrix: " + names.length + " class names for " + n + " classes");
        } else {
            for (int i = 0; i < n; i++) if (names[i] == null) throw new IllegalArgumentException("confusionMatrix: class name " + i + " is null");
        }
        int[] size = confusionMatrixSize(n);
        // XChart 4.0.3 leaves a heat map's styles (fonts, colours) unset unless a theme is named.
        HeatMapChart chart = new HeatMapChart(size[0], size[1], Styler.ChartTheme.XChart);
        chart.setTitle("Confusion matrix");
        chart.setXAxisTitle("predicted");
        chart.setYAxisTitle("true");
        HeatMapStyler s = chart.getStyler();
        axesStyle(s);
        s.setPlotBorderVisible(false);
        s.setPlotGridLinesVisible(false);
        // With the counts in the cells a colour scale adds nothing; without them it is the only key.
        boolean showCounts = n <= MAX_CLASSES_WITH_COUNTS;
        s.setLegendVisible(!showCounts);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setLegendBorderColor(Color.WHITE);
        // White to a mid blue: black counts stay readable on every cell.
        s.setRangeColors(new Color[]{new Color(0xf7fbff), new Color(0xc6dbef), new Color(0x6baed6), new Color(0x3a8bc7)});
        s.setMin(0);
        s.setMax(Math.max(1, max));
        s.setDrawBorder(true);
        int cell = cellPixels(n);
        s.setShowValue(showCounts);
        s.setValueFontColor(Color.BLACK);
        int digits = Integer.toString(max).length();
        int fontSize = Math.max(8, Math.min(16, Math.min(cell / 3, (int) (cell * 0.8 / (0.62 * digits)))));
        s.setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, fontSize));
        s.setHeatMapValueDecimalPattern("0");
        // A label for every class while they fit: XChart leaves out labels closer than the spacing
        // hint. Names wider than a cell (about 7 px a character) stand upright along the bottom.
        int labelWidth = 7 * Arrays.stream(names).mapToInt(String::length).max().orElse(1) + 4;
        boolean upright = labelWidth > cell;
        if (upright) s.setXAxisLabelRotation(90);
        s.setXAxisTickMarkSpacingHint(Math.max(upright ? 18 : labelWidth, cell / 2));
        s.setYAxisTickMarkSpacingHint(Math.max(16, cell / 2));

        // Row r of the picture (from the top) is true class r: XChart counts y upwards, so reverse.
        List<String> xs = List.of(names), ys = new ArrayList<>(List.of(names));
        Collections.reverse(ys);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) cells.add(new Number[]{p, n - 1 - t, counts[t][p]});
        }
        chart.addSeries("count", xs, ys, cells);
        Png.write(BitmapEncoder.getBufferedImage(chart), png);
    }

    /** The {width, height} in pixels of the confusion-matrix picture for {@code classes} classes. */
    public static int[] confusionMatrixSize(int classes) {
        if (classes < 1) throw new IllegalArgumentException("confusionMatrixSize: classes must be at least 1, got " + classes);
        int grid = classes * cellPixels(classes);
        int legend = classes > MAX_CLASSES_WITH_COUNTS ? 110 : 0;
        return new int[]{Math.max(400, grid + 120 + legend), Math.max(360, grid + 150)};
    }

    /** Side of a cell: 80 px for a few classes, shrinking to keep the matrix within about 640 px, 12 px at least. */
    private static int cellPixels(int classes) {
        return Math.max(12, Math.min(80, 640 / classes));
    }
}
