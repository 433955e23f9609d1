package dev.myelin.iot;

import java.util.Arrays;
import java.util.List;

/**
 * How a reading is laid out in an MQTT payload. Each format yields the reading's feature values,
 * in the model's feature order, and optionally the reading's time.
 *
 * <pre>{@code
 * PayloadFormat.json("t", "temperature", "humidity")   // {"t": 1700000000123, "temperature": 21.5, "humidity": 40}
 * PayloadFormat.csv(',', 0, 1, 2)                        // 1700000000123,21.5,40  (time in column 0)
 * PayloadFormat.float32(2, true)                         // int64 LE time, then 2 float32 LE values
 * }</pre>
 */
public sealed interface PayloadFormat {

    /**
     * A JSON object with one number per named field; {@code timeField} (or null) names a number
     * or an ISO-8601 instant (turned into epoch milliseconds).
     */
    record Json(List<String> fields, String timeField) implements PayloadFormat {
        public Json {
            fields = List.copyOf(fields);
            if (fields.isEmpty()) throw new IllegalArgumentException("JSON payload: name at least one feature field");
            if (timeField != null && fields.contains(timeField)) {
                throw new IllegalArgumentException("JSON payload: the time field '" + timeField + "' is also a feature field " + fields);
            }
        }
    }

    /**
     * One line of delimited numbers. {@code columns} are the 0-based feature columns, in order
     * (empty: every column but the time column); {@code timeColumn} is the time's column, or -1.
     */
    record Csv(char delimiter, int[] columns, int timeColumn) implements PayloadFormat {
        public Csv {
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '.' || delimiter == '-') {
                throw new IllegalArgumentException("CSV payload: the delimiter cannot be '" + delimiter + "'");
            }
            columns = columns.clone();
            for (int c : columns) {
                if (c < 0) throw new IllegalArgumentException("CSV payload: columns must be >= 0, got " + Arrays.toString(columns));
                if (c == timeColumn) throw new IllegalArgumentException("CSV payload: column " + c + " is both the time and a feature");
            }
            if (timeColumn < -1) throw new IllegalArgumentException("CSV payload: the time column must be >= 0, or -1 for none, got " + timeColumn);
        }

        @Override
        public int[] columns() {
            return columns.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Csv c && c.delimiter == delimiter && Arrays.equals(c.columns, columns) && c.timeColumn == timeColumn;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * delimiter + Arrays.hashCode(columns)) + timeColumn;
        }

        @Override
        public String toString() {
            return "Csv[delimiter=" + delimiter + ", columns=" + Arrays.toString(columns) + ", timeColumn=" + timeColumn + "]";
        }
    }

    /**
     * {@code features} little-endian float32 values; with {@code timePrefix}, a little-endian
     * int64 time comes first (8 + 4 features bytes in all).
     */
    record Float32(int features, boolean timePrefix) implements PayloadFormat {
        public Float32 {
            if (features < 1) throw new IllegalArgumentException("float32 payload: features must be at least 1, got " + features);
        }
    }

    static PayloadFormat json(String timeField, String... fields) {
        return new Json(List.of(fields), timeField);
    }

    /** CSV with the time in {@code timeColumn} (-1: none) and these feature columns (none: all others). */
    static PayloadFormat csv(char delimiter, int timeColumn, int... columns) {
        return new Csv(delimiter, columns, timeColumn);
    }

    static PayloadFormat float32(int features, boolean timePrefix) {
        return new Float32(features, timePrefix);
    }

    /** Whether readings in this format carry their own time. */
    default boolean hasTime() {
        return switch (this) {
            case Json j -> j.timeField() != null;
            case Csv c -> c.timeColumn() >= 0;
            case Float32 f -> f.timePrefix();
        };
    }

    /** The number of features a reading has, or -1 where the payload decides (CSV with all columns). */
    default int featureCount() {
        return switch (this) {
            case Json j -> j.fields().size();
            case Csv c -> c.columns.length == 0 ? -1 : c.columns.length;
            case Float32 f -> f.features();
        };
    }
}
