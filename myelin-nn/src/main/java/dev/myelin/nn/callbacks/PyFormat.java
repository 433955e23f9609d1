package dev.myelin.nn.callbacks;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bits of Python's formatting that Keras callbacks show users: {@code repr(float)} (CSV cells)
 * and {@code str.format} templates such as "ckpt-{epoch:02d}-{val_loss:.4f}.myelin" (checkpoint paths).
 */
final class PyFormat {
    private PyFormat() {}

    /** Python's repr of a float: shortest round-trip digits, fixed notation for 1e-4 <= |v| < 1e16, else "1e-05" style. */
    static String repr(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return 1 / v < 0 ? "-0.0" : "0.0";
        BigDecimal b = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = b.unscaledValue().toString();
        int exp = digits.length() - 1 - b.scale();   // |v| = d.ddd * 10^exp
        String sign = v < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            if (exp >= digits.length() - 1) return sign + digits + "0".repeat(exp - digits.length() + 1) + ".0";
            if (exp >= 0) return sign + digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
            return sign + "0." + "0".repeat(-exp - 1) + digits;
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
    }

    private static final Pattern SPEC = Pattern.compile("([ +\\-]?)(0?)(\\d*)(?:\\.(\\d+))?([dfFeE%]?)");

    /**
     * Fills {name} and {name:spec} fields from {@code values} (Integer or Double); "{{" and "}}"
     * are literal braces. Specs: [sign][0][width][.precision][d|f|F|e|E|%]; no type means str().
     */
    static String format(String template, Map<String, Object> values, String who) {
        StringBuilder out = new StringBuilder();
        int i = 0, n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < n && template.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < n && template.charAt(i + 1) == '}') {
                out.append('}');
                i += 2;
            } else if (c == '{') {
                int close = template.indexOf('}', i);
                if (close < 0) throw new IllegalArgumentException(who + ": unclosed '{' at position " + i + " in '" + template + "'");
                String field = template.substring(i + 1, close);
                int colon = field.indexOf(':');
                String name = colon < 0 ? field : field.substring(0, colon), spec = colon < 0 ? "" : field.substring(colon + 1);
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException(who + ": cannot fill '{" + field + "}' in '" + template + "': no value named '" + name
                            + "'; available: " + String.join(", ", values.keySet()));
                }
                out.append(formatValue(values.get(name), spec, field, template, who));
                i = close + 1;
            } else if (c == '}') {
                throw new IllegalArgumentException(who + ": single '}' at position " + i + " in '" + template + "'; write '}}' for a brace");
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String formatValue(Object v, String spec, String field, String template, String who) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) {
            throw new IllegalArgumentException(who + ": format spec '" + spec + "' of '{" + field + "}' in '" + template
                    + "' is not supported; use [sign][0][width][.precision] with type d, f, e or %");
        }
        String sign = m.group(1).equals("-") ? "" : m.group(1), zero = m.group(2), width = m.group(3), precision = m.group(4), type = m.group(5);
        if (zero.equals("0") && width.isEmpty()) zero = "";
        if (type.isEmpty()) {
            if (precision != null) {
                throw new IllegalArgumentException(who + ": '{" + field + "}' in '" + template + "' gives a precision without a type; use .Nf or .Ne");
            }
            String s = v instanceof Double d ? repr(d) : String.valueOf(v);
            return pad(s, width, zero.equals("0"));
        }
        if (type.equals("d")) {
            if (!(v instanceof Integer || v instanceof Long)) {
                throw new IllegalArgumentException(who + ": '{" + field + "}' in '" + template + "' asks for an integer (d), but '"
                        + field.split(":")[0] + "' is the number " + v + "; use a float format such as .4f");
            }
            if (precision != null) throw new IllegalArgumentException(who + ": precision is not allowed with 'd' in '{" + field + "}'");
            return String.format(Locale.ROOT, "%" + sign + zero + width + "d", ((Number) v).longValue());
        }
        double d = ((Number) v).doubleValue();
        if (type.equals("%")) d *= 100;
        if (!Double.isFinite(d)) {
            String s = Double.isNaN(d) ? "nan" : (d > 0 ? (sign.equals("+") ? "+inf" : "inf") : "-inf");
            if (type.equals("F") || type.equals("E")) s = s.toUpperCase(Locale.ROOT);
            return pad(s + (type.equals("%") ? "%" : ""), width, false);
        }
        String conv = switch (type) {
            case "f", "F", "%" -> "f";
            default -> type;
        };
        String s = String.format(Locale.ROOT, "%" + sign + zero + width + "." + (precision == null ? "6" : precision) + conv, d);
        return type.equals("%") ? s + "%" : s;
    }

    private static String pad(String s, String width, boolean zeros) {
        int w = width.isEmpty() ? 0 : Integer.parseInt(width);
        if (s.length() >= w) return s;
        return (zeros ? "0" : " ").repeat(w - s.length()) + s;
    }
}
