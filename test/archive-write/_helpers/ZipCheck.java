import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Enumeration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Reads each archive named on the command line with java.util.zip, twice: with ZipFile (central
 * directory, as most tools read) and with ZipInputStream (streaming, as OrientDB's restore reads).
 * Prints one JSON line per archive.
 */
public class ZipCheck {
  public static void main(String[] args) throws Exception {
    for (String path : args) {
      StringBuilder out = new StringBuilder();
      try (ZipFile zip = new ZipFile(path)) {
        out.append("{\"path\":").append(quote(path)).append(",\"comment\":").append(quote(zip.getComment())).append(",\"entries\":[");
        Enumeration<? extends ZipEntry> entries = zip.entries();
        boolean first = true;
        byte[] buffer = new byte[65536];
        while (entries.hasMoreElements()) {
          ZipEntry entry = entries.nextElement();
          CRC32 crc = new CRC32();
          long read = 0;
          try (InputStream in = zip.getInputStream(entry)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
              crc.update(buffer, 0, n);
              read += n;
            }
          }
          out.append(first ? "" : ",").append("{\"name\":").append(quote(entry.getName()))
            .append(",\"method\":").append(entry.getMethod())
            .append(",\"size\":").append(entry.getSize())
            .append(",\"read\":").append(read)
            .append(",\"crc\":").append(entry.getCrc())
            .append(",\"actualCrc\":").append(crc.getValue()).append("}");
          first = false;
        }
      }
      String streaming;
      try (ZipInputStream in = new ZipInputStream(new FileInputStream(path))) {
        byte[] buffer = new byte[65536];
        int count = 0;
        while (in.getNextEntry() != null) {
          while (in.read(buffer) > 0) { }
          count++;
        }
        streaming = "ok:" + count;
      } catch (Exception e) {
        streaming = "error:" + e.getMessage();
      }
      out.append("],\"zipInputStream\":").append(quote(streaming)).append("}");
      System.out.println(out);
    }
  }

  private static String quote(String text) {
    if (text == null) return "null";
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') quoted.append('\\').append(c);
      else if (c < 0x20) quoted.append(String.format("\\u%04x", (int) c));
      else quoted.append(c);
    }
    return quoted.append('"').toString();
  }
}
