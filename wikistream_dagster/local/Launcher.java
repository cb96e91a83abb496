// WikiStream's local Iceberg REST catalog: Iceberg's own REST servlet over a JDBC catalog on a
// SQLite file, bound to 127.0.0.1 only (the stock RESTCatalogServer main binds 0.0.0.0).
// Run without a build step: java -cp iceberg-open-api-1.10.0.jar Launcher.java PORT DB WAREHOUSE
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

public class Launcher {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Map<String, String> props = new HashMap<>();
    props.put(CatalogProperties.CATALOG_IMPL, "org.apache.iceberg.jdbc.JdbcCatalog");
    props.put(CatalogProperties.URI, "jdbc:sqlite:" + args[1]);
    props.put(CatalogProperties.WAREHOUSE_LOCATION, args[2]);
    props.put("jdbc.schema-version", "V1");
    // One SQLite connection for every request: with Iceberg's default pool of two, a catalog
    // restarted on an existing database failed every concurrent commit with SQLITE_BUSY ("database
    // is locked") until it was restarted again (tests/local/test_catalog.py). SQLite serialises
    // writers anyway, and a catalog request takes milliseconds.
    props.put(CatalogProperties.CLIENT_POOL_SIZE, "1");
    Catalog catalog = CatalogUtil.buildIcebergCatalog("wikistream", props, new Configuration());

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(new RESTCatalogServlet(new RESTCatalogAdapter(catalog))), "/*");
    context.insertHandler(new GzipHandler());

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(context);
    server.setStopAtShutdown(true);
    server.start();
    System.out.println("wikistream iceberg rest catalog listening on 127.0.0.1:" + port
        + " db=" + args[1] + " warehouse=" + args[2]);
    server.join();
  }
}
