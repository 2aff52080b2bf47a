package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskState;
import dev.berth.testing.TaskBodies;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The web inspector in a real browser (Debian's headless Chromium through its chromedriver) against
 * {@code berth server} on PostgreSQL and a real {@code berth worker}: sign in, follow a live log while the
 * run writes it, download an artifact, cancel a running task, create tasks from the form (and see a schema error at
 * its line), move through a group's rows with the keyboard while it updates itself, type into the shell of an
 * interactive task, page through a group of 10,000 tasks, and read the pages on a 390 px screen.
 * Each page's screenshot is saved under berth-it/target/screenshots/, and with {@code BERTH_UPDATE_SCREENSHOTS=1}
 * under docs/screenshots/ (shown in the README), so an ordinary run leaves the tracked ones alone.
 */
class WebInspectorIT extends DeployedFixture {

    private static final Path SCREENSHOTS = "1".equals(System.getenv("BERTH_UPDATE_SCREENSHOTS"))
            ? repoRoot().resolve("docs/screenshots") : repoRoot().resolve("berth-it/target/screenshots");
    private static final List<String> USER_SCOPES = List.of("queue:get-task:*", "queue:status:*", "queue:list-task-group:*",
            "queue:list-artifacts:*", "queue:get-artifact:*", "queue:list-task-queues", "queue:get-task-queue:*",
            "queue:pending-count:*", "queue:claimed-count:*", "queue:cancel-task:*", "queue:rerun-task:*", "auth:current-scopes",
            "queue:create-task:*", "queue:scheduler-id:*", "queue:list-dependent-tasks:*", "queue:route:*",
            "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*");
    private static final List<String> POOL_READER = List.of("worker-manager:list-worker-pools", "worker-manager:get-worker-pool:*",
            "worker-manager:list-workers:*", "worker-manager:list-worker-pool-errors:*");

    private WebDriver browser;
    private Path downloads;

    WebInspectorIT() {
        super("ui");
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.quit();
    }

    /**
     * One server, one database and one browser for every step (a server and a browser cost seconds to start); the
     * 10,000 tasks of the second part are created in the background while the first part runs.
     */
    @Test
    void aPersonFollowsCreatesCancelsAndShellsIntoTasksThenPagesATenThousandTaskGroupOnANarrowScreen() throws Exception {
        ServerProcess server = startServer(Map.of("BERTH_DATABASE_URL", databaseUrl()));
        BerthClient root = server.rootClient();
        String bigGroupId = Slugid.nice();
        String idleQueue = "life-it/ui-idle-" + LifeSupport.shortId(); // no worker: the tasks stay pending
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<?> created = background.submit(() -> {
                createMany(root, bigGroupId, idleQueue, 10_000);
                return null;
            });
            followALiveLogCreateCancelAndShell(server, root);
            created.get(5, java.util.concurrent.TimeUnit.MINUTES);
            pageATenThousandTaskGroup(server, root, bigGroupId, idleQueue);
        } finally {
            background.shutdownNow();
        }
    }

    private void followALiveLogCreateCancelAndShell(ServerProcess server, BerthClient root) throws Exception {
        String workerId = workerId("w");
        startWorker(server.rootUrl(), createWorkerClient(root, workerId), workerId, 2, null);
        Credentials user = createUser(root);
        open(server.rootUrl());

        browser.get(server.rootUrl() + "/");
        await("the app renders at / for a browser").atMost(Duration.ofSeconds(20))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=signin-link]")).isEmpty());
        signIn(user);

        // a task writing a line every 300 ms, then an artifact
        String taskId = Slugid.nice();
        ObjectNode task = TaskBodies.on(taskQueueId).image(LifeSupport.IMAGE)
                .shell("printf '\\033[31mred warning\\033[0m plain\\n'; for i in $(seq 1 40); do echo \"line $i of the live log\"; sleep 0.3; done; echo inspected > /out.txt")
                .maxRunTime(120).artifact("public/out.txt", "file", "/out.txt").build();
        task.with("metadata").put("name", "web inspector: live log and artifact");
        String space = "ui-" + LifeSupport.shortId();
        task.putArray("routes").add("index.berth-it." + space + ".latest");
        root.queue().createTask(taskId, task);

        browser.get(server.rootUrl() + "/#/tasks/" + taskId);
        await("the live log shows the first lines while the run goes").atMost(Duration.ofSeconds(90))
                .until(() -> text("log").contains("line 3 of"));
        int early = text("log").length();
        assertThat(text("state")).isEqualTo("running");
        await("the live log grows").atMost(Duration.ofSeconds(30)).until(() -> text("log").length() > early + 100);
        assertThat(text("log-state")).isEqualTo("live");
        assertThat(text("state")).as("it grew while the task was still running").isEqualTo("running");
        assertThat(browser.findElement(By.cssSelector("[data-testid=log] span.fg-31")).getText())
                .as("ANSI colours are rendered, not shown as escapes").isEqualTo("red warning");
        assertThat(text("log")).doesNotContain("\u001b").contains("red warning plain");
        scrollTo("log");
        screenshot("task-live-log");

        await("the page follows the task to completed").atMost(Duration.ofSeconds(60))
                .until(() -> text("state").equals("completed"));
        assertThat(text("log")).contains("line 40 of the live log");
        WebElement download = await("the artifact is listed").atMost(Duration.ofSeconds(20))
                .until(() -> browser.findElements(By.cssSelector("[data-artifact='public/out.txt'] a[download]")), l -> !l.isEmpty()).get(0);
        assertThat(browser.findElement(By.cssSelector("[data-testid=artifacts]")).getText()).contains("public/out.txt");
        screenshot("task-completed");
        download.click();
        Path file = downloads.resolve("out.txt");
        await("the browser downloads the artifact").atMost(Duration.ofSeconds(20))
                .until(() -> Files.exists(file) && Files.size(file) > 0 || failIfElsewhere(file));
        assertThat(Files.readString(file).strip()).isEqualTo("inspected");

        // a line link opens the page with that line of the log marked
        WebElement second = browser.findElements(By.cssSelector("[data-testid=log] .ln")).stream()
                .filter(l -> l.getText().endsWith("line 2 of the live log")).findFirst().orElseThrow();
        String lineLink = second.findElement(By.cssSelector("a.lnum")).getAttribute("href");
        assertThat(lineLink).endsWith("#/tasks/" + taskId + "/runs/0/" + second.getAttribute("id"));
        browser.get(lineLink);
        browser.navigate().refresh();
        await("the linked line is marked").atMost(Duration.ofSeconds(20)).until(() ->
                browser.findElements(By.cssSelector("[data-testid=log] .ln.target")).stream().anyMatch(l -> l.getText().contains("line 2 of the live log")));

        // the definition in YAML
        browser.findElement(By.cssSelector("[data-testid=view-yaml]")).click();
        await("the YAML view").atMost(Duration.ofSeconds(10)).until(() -> text("definition").contains("taskQueueId: " + taskQueueId));

        // the completed task is indexed: the jump box finds it by namespace, the index browser lists it
        browser.get(server.rootUrl() + "/#/");
        browser.findElement(By.id("jump")).sendKeys("berth-it." + space + ".latest\n");
        await("the jump box opens the indexed task").atMost(Duration.ofSeconds(20)).until(() -> text("task-id").equals(taskId));
        browser.findElement(By.cssSelector("[data-testid=index-link]")).click();
        await("the root namespaces").atMost(Duration.ofSeconds(20)).until(() -> text("namespaces").contains("berth-it"));
        browser.findElement(By.linkText("berth-it")).click();
        await("the test's namespace").atMost(Duration.ofSeconds(20)).until(() -> text("namespaces").contains(space));
        browser.findElement(By.linkText(space)).click();
        await("the indexed task").atMost(Duration.ofSeconds(20)).until(() -> text("indexed-tasks").contains(taskId));
        screenshot("index");
        browser.findElement(By.linkText(taskId)).click();
        await("back on the task").atMost(Duration.ofSeconds(20)).until(() -> text("state").equals("completed"));

        // retrigger: a copy with a new id in the same group; the group page follows it to completed
        browser.findElement(By.cssSelector("[data-testid=retrigger]")).click();
        await("the copy's page opens").atMost(Duration.ofSeconds(20))
                .until(() -> !text("task-id").isEmpty() && !text("task-id").equals(taskId));
        String copyId = text("task-id");
        assertThat(root.queue().task(copyId).path("metadata").path("name").asText()).isEqualTo("web inspector: live log and artifact");
        String groupId = root.queue().taskStatus(taskId).taskGroupId();
        assertThat(root.queue().taskStatus(copyId).taskGroupId()).isEqualTo(groupId);
        browser.findElement(By.cssSelector("[data-testid=group-link]")).click();
        await("the group page lists both").atMost(Duration.ofSeconds(20)).until(() -> text("count-all").equals("2"));
        assertThat(text("count-completed")).isEqualTo("1");
        await("the group page updates by itself as the copy completes").atMost(Duration.ofSeconds(120))
                .until(() -> text("count-completed").equals("2"));

        // edit-and-create: the completed task's definition as a copy (new id, times moved) in the create form
        browser.get(server.rootUrl() + "/#/tasks/" + taskId);
        await("the edit-and-create action").atMost(Duration.ofSeconds(20))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=edit-create]")).isEmpty());
        browser.findElement(By.cssSelector("[data-testid=edit-create]")).click();
        await("the form holds the copy").atMost(Duration.ofSeconds(20))
                .until(() -> editorText().contains("live log and artifact") && editorText().contains("taskGroupId: " + groupId));
        String editedId = text("new-task-id");
        setEditor(editorText().replace("live log and artifact", "edited copy"));
        browser.findElement(By.cssSelector("[data-testid=create-submit]")).click();
        await("the edited copy's page").atMost(Duration.ofSeconds(20)).until(() -> text("task-id").equals(editedId));
        assertThat(root.queue().task(editedId).path("metadata").path("name").asText()).isEqualTo("web inspector: edited copy");
        assertThat(Instant.parse(root.queue().task(editedId).path("created").asText()))
                .as("the copy's times are moved").isAfter(Instant.parse(root.queue().task(taskId).path("created").asText()));

        // keyboard: the group's rows with j/k and Enter; live: the copy's resolution shows without a reload
        browser.findElement(By.cssSelector("[data-testid=group-link]")).click();
        await("the group page lists the three").atMost(Duration.ofSeconds(20)).until(() -> text("count-all").equals("3"));
        WebElement rows = browser.findElement(By.cssSelector("[data-testid=group-rows]"));
        rows.sendKeys("jjk");
        await("the cursor went to the second row, then back to the first").atMost(Duration.ofSeconds(5)).until(() ->
                browser.findElements(By.cssSelector("[data-testid=group-row]")).get(0).getAttribute("class").contains("cursor"));
        WebElement cursorRow = browser.findElement(By.cssSelector("[data-testid=group-row].cursor"));
        assertThat(((JavascriptExecutor) browser).executeScript("return getComputedStyle(arguments[0]).outlineStyle", cursorRow))
                .as("the cursor is visible").isNotEqualTo("none");
        rows.sendKeys(Keys.ARROW_DOWN);
        String secondId = browser.findElements(By.cssSelector("[data-testid=group-row]")).get(1).findElement(By.tagName("code")).getText();
        await().atMost(Duration.ofSeconds(5)).until(() -> browser.findElement(By.cssSelector("[data-testid=group-row].cursor")).getText().contains(secondId));
        screenshot("task-group-keyboard");
        rows.sendKeys(Keys.ENTER);
        await("Enter opens the task under the cursor").atMost(Duration.ofSeconds(20)).until(() -> text("task-id").equals(secondId));
        browser.navigate().back();
        await("the group page updates by itself as the edited copy completes").atMost(Duration.ofSeconds(120))
                .until(() -> text("count-completed").equals("3"));

        // the create form: a bad definition shows the schema's error at its line; a good one is created
        browser.findElement(By.cssSelector("[data-testid=create-link]")).click();
        await("the form, prefilled with a sample").atMost(Duration.ofSeconds(20)).until(() -> editorText().contains("maxRunTime: 60"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String definition = String.join("\n", "taskQueueId: " + taskQueueId, "created: " + now, "deadline: " + now.plus(1, ChronoUnit.HOURS),
                "metadata:", "  name: made with the form", "  description: WebInspectorIT", "  owner: it@example.com",
                "  source: https://berth.dev/it", "payload:", "  image: " + LifeSupport.IMAGE,
                "  command: [sh, -c, 'echo made by the form']", "  maxRunTime: soon", "");
        setEditor(definition);
        String formId = text("new-task-id");
        browser.findElement(By.cssSelector("[data-testid=create-submit]")).click();
        WebElement problem = await("the schema error is shown at its field").atMost(Duration.ofSeconds(20))
                .until(() -> browser.findElements(By.cssSelector("[data-testid=schema-errors] li[data-path='/payload/maxRunTime']")), l -> !l.isEmpty()).get(0);
        assertThat(problem.getAttribute("data-line")).as("maxRunTime is on line 12").isEqualTo("12");
        assertThat(problem.getText()).startsWith("line 12").contains("must be integer");
        assertThat(browser.findElement(By.cssSelector("[data-gutter-line='12']")).getAttribute("class")).isEqualTo("bad");
        screenshot("create-task-error");
        assertThat(browser.getCurrentUrl()).as("nothing was submitted").endsWith("#/create");
        // schema-valid, but the API refuses it: the answer shows as it came
        setEditor(definition.replace("maxRunTime: soon", "maxRunTime: 60") + "scopes: [berth-it:not-held]\n");
        browser.findElement(By.cssSelector("[data-testid=create-submit]")).click();
        await("the API's error code").atMost(Duration.ofSeconds(20)).until(() -> text("error").contains("InsufficientScopes"));
        setEditor(definition.replace("maxRunTime: soon", "maxRunTime: 60"));
        await("the problems go once fixed").atMost(Duration.ofSeconds(5)).until(() -> !text("schema-ok").isEmpty());
        browser.findElement(By.cssSelector("[data-testid=create-submit]")).click();
        await("the created task's page").atMost(Duration.ofSeconds(20)).until(() -> text("task-id").equals(formId));
        await("it runs to completed").atMost(Duration.ofSeconds(90)).until(() -> text("state").equals("completed"));
        await("its log").atMost(Duration.ofSeconds(20)).until(() -> text("log").contains("made by the form"));
        assertThat(root.queue().task(formId).path("metadata").path("name").asText()).isEqualTo("made with the form");

        // cancel a running task: the button shows (the user holds queue:cancel-task:*), the state changes
        String longId = Slugid.nice();
        root.queue().createTask(longId, shellTask("echo started; sleep 300", 600));
        browser.get(server.rootUrl() + "/#/tasks/" + longId);
        await("the long task runs").atMost(Duration.ofSeconds(90)).until(() -> text("state").equals("running"));

        browser.get(server.rootUrl() + "/#/");
        await("the home page lists the test's queue with one claimed task").atMost(Duration.ofSeconds(20))
                .until(() -> browser.findElements(By.cssSelector("[data-testid=queues] tr")).stream()
                        .anyMatch(r -> r.getText().startsWith(taskQueueId + " 0 1 ")));
        screenshot("home");

        browser.get(server.rootUrl() + "/#/tasks/" + longId);
        await("the task page again").atMost(Duration.ofSeconds(20)).until(() -> text("state").equals("running"));
        browser.findElement(By.cssSelector("[data-testid=cancel]")).click();
        await("the page shows the cancel").atMost(Duration.ofSeconds(20)).until(() -> text("state").equals("exception"));
        assertThat(browser.findElement(By.cssSelector("[data-testid=runs]")).getText()).contains("canceled");
        assertThat(root.queue().taskStatus(longId).state()).isEqualTo(TaskState.EXCEPTION);
        assertThat(browser.findElements(By.cssSelector("[data-testid=cancel]"))).as("nothing left to cancel").isEmpty();
        screenshot("task-canceled");

        // rerun shows once resolved; the new run is made and can be canceled again
        browser.findElement(By.cssSelector("[data-testid=rerun]")).click();
        await("a second run").atMost(Duration.ofSeconds(20)).until(() ->
                browser.findElement(By.cssSelector("[data-testid=runs]")).getText().contains("rerun"));
        assertThat(root.queue().taskStatus(longId).runs()).hasSize(2);
        await("cancel is offered again").atMost(Duration.ofSeconds(20))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=cancel]")).isEmpty());
        browser.findElement(By.cssSelector("[data-testid=cancel]")).click();
        await("the second run is canceled").atMost(Duration.ofSeconds(20)).until(() -> text("state").equals("exception"));

        // the shell of an interactive task: a terminal through the server's relay, typed into, resized
        String shellId = Slugid.nice();
        ObjectNode interactive = shellTask("echo started; sleep 300", 600);
        ((ObjectNode) interactive.get("payload")).putObject("features").put("interactive", true);
        root.queue().createTask(shellId, interactive);
        await("the run's worker serves its shell").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> root.get("berth", "/shell/" + shellId + "/0").path("workerConnected").asBoolean());
        browser.get(server.rootUrl() + "/#/tasks/" + shellId);
        await("the shell link of the running interactive task").atMost(Duration.ofSeconds(20))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=shell-link]")).isEmpty());
        browser.findElement(By.cssSelector("[data-testid=shell-link]")).click();
        await("the session opens").atMost(Duration.ofSeconds(30)).until(() -> text("shell-state").equals("open"));
        WebElement terminal = browser.findElement(By.cssSelector("[data-testid=terminal]"));
        terminal.click();
        new Actions(browser).sendKeys("echo hello from $((6*7))").sendKeys(Keys.ENTER).perform();
        await("echo's output in the terminal").atMost(Duration.ofSeconds(20)).until(() -> terminalText().contains("hello from 42"));
        screenshot("shell");
        String before = terminal.getAttribute("data-size");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(900, 700));
        await("the terminal fits the smaller window").atMost(Duration.ofSeconds(10))
                .until(() -> !terminal.getAttribute("data-size").equals(before));
        String size = terminal.getAttribute("data-size");
        new Actions(browser).sendKeys("stty size").sendKeys(Keys.ENTER).perform();
        await("the container's tty has the terminal's new size").atMost(Duration.ofSeconds(20))
                .until(() -> terminalText().lines().anyMatch(l -> l.strip().equals(size)));
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));

        // without a shell scope the link is not offered: the anonymous role reads the running task, not its shell
        browser.get(server.rootUrl() + "/#/");
        browser.findElement(By.cssSelector("[data-testid=sign-out]")).click();
        await("signed out").atMost(Duration.ofSeconds(10))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=signin-link]")).isEmpty());
        browser.get(server.rootUrl() + "/#/tasks/" + shellId);
        await("the running interactive task shows to the anonymous role").atMost(Duration.ofSeconds(20))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=runs]")).isEmpty());
        assertThat(browser.findElements(By.cssSelector("[data-testid=shell-link]")))
                .as("no shell link for someone who may not open the shell").isEmpty();
        signIn(user);
        root.queue().cancelTask(shellId);
    }

    private void pageATenThousandTaskGroup(ServerProcess server, BerthClient root, String taskGroupId, String idleQueue) throws Exception {
        // from here on as the anonymous role
        browser.get(server.rootUrl() + "/#/");
        browser.findElement(By.cssSelector("[data-testid=sign-out]")).click();
        await("signed out").atMost(Duration.ofSeconds(10))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=signin-link]")).isEmpty());
        // (time to first usable render, for 1,000 and 10,000 tasks: bench/ui/run.sh, docs/benchmarks.md)

        // anonymous browsing: the anonymous role may list a task group
        long start = System.nanoTime();
        browser.get(server.rootUrl() + "/#/groups/" + taskGroupId);
        await("the first page of rows shows").atMost(Duration.ofSeconds(30))
                .until(() -> !browser.findElements(By.cssSelector("[data-testid=group-row]")).isEmpty());
        long firstRowsMs = (System.nanoTime() - start) / 1_000_000;
        await("every page is read through the continuation token").atMost(Duration.ofSeconds(120))
                .until(() -> text("count-all").equals("10000"));
        long allMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("WebInspectorIT: 10,000-task group: first rows after %d ms, all counted after %d ms%n", firstRowsMs, allMs);
        assertThat(text("count-pending")).isEqualTo("10000");
        int rendered = browser.findElements(By.cssSelector("[data-testid=group-row]")).size();
        assertThat(rendered).as("only the rows in view are in the page").isBetween(10, 100);
        screenshot("task-group");

        List<String> ids = List.copyOf(taskGroup(root, taskGroupId).keySet());
        assertThat(ids).hasSize(10_000);
        String lastTaskId = lastListed(root, taskGroupId);
        assertThat(browser.findElements(By.cssSelector("[data-testid=group-row]")).stream().map(WebElement::getText))
                .noneMatch(t -> t.contains(lastTaskId));
        WebElement grid = browser.findElement(By.cssSelector("[data-testid=group-rows]"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollTop = arguments[0].scrollHeight", grid);
        await("the last tasks show after scrolling to the end").atMost(Duration.ofSeconds(10)).until(() ->
                browser.findElements(By.cssSelector("[data-testid=group-row]")).stream().anyMatch(r -> r.getText().contains(lastTaskId)));
        assertThat(browser.findElements(By.cssSelector("[data-testid=group-row]"))).hasSizeLessThan(100);

        browser.findElement(By.cssSelector("[data-testid=filter-completed]")).click();
        await().atMost(Duration.ofSeconds(5)).until(() -> browser.findElements(By.cssSelector("[data-testid=group-row]")).isEmpty());
        browser.findElement(By.cssSelector("[data-testid=filter-pending]")).click();
        await().atMost(Duration.ofSeconds(5)).until(() -> !browser.findElements(By.cssSelector("[data-testid=group-row]")).isEmpty());

        // temporary credentials (a certificate signed by a client) sign requests too: the home page's queue
        // list needs queue:list-task-queues, which the anonymous role lacks
        browser.get(server.rootUrl() + "/#/");
        await("anonymous: the queue list is refused, with the API's code").atMost(Duration.ofSeconds(20))
                .until(() -> text("error").contains("InsufficientScopes"));
        Credentials user = createUser(root);
        TemporaryCredentials temp = TemporaryCredentials.create(user.clientId(), user.accessToken(),
                java.util.stream.Stream.concat(Stream.of("queue:list-task-queues", "queue:pending-count:*", "queue:claimed-count:*",
                        "auth:current-scopes", "queue:list-task-group:*"), POOL_READER.stream()).toList(),
                Instant.now().minus(1, ChronoUnit.MINUTES), Instant.now().plus(1, ChronoUnit.HOURS), null);
        browser.findElement(By.cssSelector("[data-testid=signin-link]")).click();
        browser.findElement(By.name("clientId")).sendKeys(temp.clientId());
        browser.findElement(By.name("accessToken")).sendKeys(temp.accessToken());
        browser.findElement(By.name("certificate")).sendKeys(temp.certificate());
        browser.findElement(By.cssSelector("form.signin button[type=submit]")).click();
        await("signed in with temporary credentials").atMost(Duration.ofSeconds(20)).until(() -> text("who").equals(user.clientId()));
        await("the queue list shows the idle queue with its 10000 pending").atMost(Duration.ofSeconds(20))
                .until(() -> browser.findElements(By.cssSelector("[data-testid=queues] tr")).stream()
                        .anyMatch(r -> r.getText().startsWith(idleQueue + " 10000 0 ")));

        // worker pools: the list with capacity, then one pool's page
        String poolId = "life-it/uipool" + LifeSupport.shortId();
        ObjectNode pool = Json.MAPPER.createObjectNode().put("providerId", "docker").put("description", "the inspector's pool")
                .put("owner", "ops@example.com").put("emailOnError", false);
        pool.putObject("config").put("image", "berth/worker:latest").put("minCapacity", 0).put("maxCapacity", 2).put("idleTimeout", 60)
                .putArray("dockerHosts").add("unix:///var/run/docker.sock");
        root.workerManager().createWorkerPool(poolId, pool);
        browser.findElement(By.cssSelector("[data-testid=pools-link]")).click();
        await("the pool is listed").atMost(Duration.ofSeconds(20)).until(() -> text("pools").contains(poolId));
        screenshot("pools");
        browser.findElement(By.linkText(poolId)).click();
        await("the pool's page").atMost(Duration.ofSeconds(20)).until(() -> text("pool-capacity").equals("0 (min 0, max 2)"));
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("No workers.").contains("None reported.")
                .doesNotContain("InsufficientScopes");

        // a narrow screen (390 px, a phone): the page body never scrolls sideways; tables and the group's grid collapse
        ((ChromeDriver) browser).executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
        try {
            browser.get(server.rootUrl() + "/#/groups/" + taskGroupId);
            await("the group at 390 px").atMost(Duration.ofSeconds(60)).until(() -> text("count-all").equals("10000"));
            assertNoSidewaysScroll("task group");
            WebElement firstRow = browser.findElements(By.cssSelector("[data-testid=group-row]")).get(0);
            assertThat(firstRow.findElement(By.tagName("code")).isDisplayed()).as("the task id column collapses").isFalse();
            screenshot("task-group-narrow");
            browser.get(server.rootUrl() + "/#/");
            await("the queues at 390 px").atMost(Duration.ofSeconds(20))
                    .until(() -> browser.findElements(By.cssSelector("[data-testid=queues] tr")).size() > 1);
            assertNoSidewaysScroll("home");
            assertThat(((JavascriptExecutor) browser).executeScript("return getComputedStyle(arguments[0]).display",
                    browser.findElement(By.cssSelector("[data-testid=queues] td")))).as("table cells stack").isEqualTo("block");
            screenshot("home-narrow");
            browser.get(server.rootUrl() + "/#/pools/" + poolId.replace("/", "%2F"));
            await("the pool at 390 px").atMost(Duration.ofSeconds(20)).until(() -> !text("pool-capacity").isEmpty());
            assertNoSidewaysScroll("pool");
        } finally {
            ((ChromeDriver) browser).executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    // ------------------------------------------------------------ helpers

    /** The task id listTaskGroup gives last (the order the page shows). */
    private static String lastListed(BerthClient client, String taskGroupId) {
        String token = null;
        String last = null;
        do {
            var page = client.queue().listTaskGroup(taskGroupId, token, 1000);
            for (var t : page.path("tasks")) last = t.path("status").path("taskId").asText();
            token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
        } while (token != null);
        return last;
    }

    private Credentials createUser(BerthClient root) {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("description", "a person using the web inspector (berth-it)");
        request.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        var scopes = request.putArray("scopes");
        USER_SCOPES.forEach(scopes::add);
        POOL_READER.forEach(scopes::add);
        String clientId = "people/inspector-" + LifeSupport.shortId();
        return new Credentials(clientId, root.auth().createClient(clientId, request).get("accessToken").asText());
    }

    private void signIn(Credentials user) {
        browser.findElement(By.cssSelector("[data-testid=signin-link]")).click();
        browser.findElement(By.name("clientId")).sendKeys(user.clientId());
        browser.findElement(By.name("accessToken")).sendKeys(user.accessToken());
        screenshot("sign-in");
        browser.findElement(By.cssSelector("form.signin button[type=submit]")).click();
        await("signed in").atMost(Duration.ofSeconds(20)).until(() -> text("who").equals(user.clientId()));
        assertThat(browser.getCurrentUrl()).as("no token in the URL").doesNotContain(user.accessToken());
    }

    private void createMany(BerthClient root, String taskGroupId, String queue, int count) throws Exception {
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    ObjectNode t = TaskBodies.on(queue).image(LifeSupport.IMAGE).shell("true").maxRunTime(60).build();
                    t.put("taskGroupId", taskGroupId);
                    t.with("metadata").put("name", "task " + n);
                    root.queue().createTask(Slugid.nice(), t);
                }));
            }
            for (Future<?> f : done) f.get();
        }
        System.out.printf("WebInspectorIT: created %d tasks in %d ms%n", count, (System.nanoTime() - start) / 1_000_000);
    }

    private void open(String rootUrl) throws Exception {
        downloads = dir.resolve("downloads");
        Files.createDirectories(downloads);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File("/usr/bin/chromium"));
        // as root on a CI machine: no sandbox; /dev/shm may be small
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        // the system's chromedriver, named explicitly: Selenium Manager downloads nothing
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeDriver chrome = new ChromeDriver(service, options);
        // headless Chromium saves downloads only where DevTools says so
        chrome.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        browser = chrome;
        browser.manage().timeouts().implicitlyWait(Duration.ZERO);
    }

    private boolean failIfElsewhere(Path expected) throws java.io.IOException {
        try (var files = Files.list(expected.getParent())) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertThat(names).as("downloads so far").allMatch(n -> n.endsWith(".crdownload") || n.equals("out.txt"));
        }
        return false;
    }

    private void assertNoSidewaysScroll(String page) {
        Object widths = ((JavascriptExecutor) browser).executeScript(
                "const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth];");
        List<?> w = (List<?>) widths;
        assertThat(((Number) w.get(0)).intValue()).as("%s: the body's scroll width at 390 px", page)
                .isLessThanOrEqualTo(((Number) w.get(1)).intValue());
    }

    private String editorText() {
        List<WebElement> found = browser.findElements(By.cssSelector("[data-testid=yaml-editor]"));
        return found.isEmpty() ? "" : found.get(0).getDomProperty("value");
    }

    /** Puts text into the create form's editor as typing would (an input event), at once. */
    private void setEditor(String text) {
        ((JavascriptExecutor) browser).executeScript(
                "const e = arguments[0]; e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true}));",
                browser.findElement(By.cssSelector("[data-testid=yaml-editor]")), text);
    }

    /** What the terminal shows, one line a row (xterm's DOM renderer). */
    private String terminalText() {
        return String.join("\n", browser.findElements(By.cssSelector("[data-testid=terminal] .xterm-rows > div")).stream()
                .map(r -> r.getText().replace('\u00a0', ' ')).toList());
    }

    private void scrollTo(String testId) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})",
                browser.findElement(By.cssSelector("[data-testid=" + testId + "]")));
    }

    private String text(String testId) {
        List<WebElement> found = browser.findElements(By.cssSelector("[data-testid=" + testId + "]"));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("berth-ui/package.json"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        return p;
    }
}
