// Tarjoman's page, document tab: upload to /v1/jobs, show progress, offer the result.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 500;

  // Tabs: Text and Document, arrow keys move between them.
  const tabs = [$("tab-text"), $("tab-document")];
  function select(tab) {
    tabs.forEach((other) => {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !chosen;
    });
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      select(next);
      next.focus();
    });
  });

  const form = $("doc-form");
  const statusLine = $("doc-status");
  const progress = $("doc-progress");
  const errorBox = $("doc-error");
  const link = $("doc-download");
  const buttons = form.querySelectorAll("button[type=submit]");

  function headers() {
    const key = $("api-key").value.trim();
    return key ? { Authorization: `Bearer ${key}` } : {};
  }

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    statusLine.textContent = "";
  }

  async function answer(response) {
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (response.ok) return data;
    const message = data && data.error && data.error.message ? data.error.message :
      `the server answered ${response.status}`;
    const hint = response.status === 401 ? " Open “API key” and enter yours." : "";
    throw new Error(`${message}${hint}`);
  }

  function fileName(response, fallback) {
    const found = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(
      response.headers.get("Content-Disposition") || "");
    return found ? decodeURIComponent(found[1]) : fallback;
  }

  async function download(job) {
    const response = await fetch(new URL(job.result_url.slice(1), document.baseURI),
      { headers: headers() });
    if (!response.ok) await answer(response);
    const blob = await response.blob();
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = fileName(response, "result");
    link.textContent = `Download ${link.download}`;
    link.hidden = false;
  }

  async function follow(job) {
    const url = new URL(job.url.slice(1), document.baseURI);
    while (job.state === "queued" || job.state === "running") {
      progress.max = Math.max(1, job.progress.total);
      progress.value = job.progress.done;
      statusLine.textContent =
        `${job.state === "queued" ? "Queued" : "Working"}: ${job.progress.done} of ` +
        `${job.progress.total} parts done.`;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      job = await answer(await fetch(url, { headers: headers() }));
    }
    if (job.state !== "done") throw new Error(`the job ${job.state}: ${job.error || "no reason given"}`);
    progress.value = progress.max;
    const failed = job.progress.failed ? ` ${job.progress.failed} parts could not be done.` : "";
    statusLine.textContent = `Done: ${job.progress.done} parts.${failed}`;
    await download(job);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const task = event.submitter && event.submitter.value === "summarize" ? "summarize" : "translate";
    const file = $("doc-file").files[0];
    if (!file) { fail("Choose a document first."); return; }
    const body = new FormData();
    body.append("file", file);
    body.append("task", task);
    body.append("source", $("doc-source").value);
    if ($("doc-target").value) body.append("target", $("doc-target").value);
    buttons.forEach((button) => { button.disabled = true; });
    form.setAttribute("aria-busy", "true");
    errorBox.hidden = true;
    link.hidden = true;
    progress.hidden = false;
    progress.value = 0;
    statusLine.textContent = "Uploading…";
    try {
      const job = await answer(await fetch(new URL("v1/jobs", document.baseURI),
        { method: "POST", headers: headers(), body }));
      $("doc-demo").hidden = !document.getElementById("demo-banner");
      await follow(job);
    } catch (error) {
      fail(`Could not ${task} the document: ${error.message}`);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
      form.setAttribute("aria-busy", "false");
    }
  });
})();
