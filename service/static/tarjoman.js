// Tarjoman's page: send the form to the public /v1 API and show the answer or a readable error.
"use strict";

(() => {
  const LANGUAGE_NAMES = { fa: "Persian", en: "English" };
  // What a person can do about each status, added after the server's own message.
  const HINTS = {
    401: "This server needs an API key: open “API key” and enter yours.",
    403: "The API key was not accepted.",
    413: "The text is over this server's limit: send a shorter text.",
    422: "Change the request and try again.",
    429: "Too many requests for now.",
    503: "The service is busy or still loading its models.",
    504: "The service took too long to answer.",
  };

  const $ = (id) => document.getElementById(id);
  const form = $("job");
  const statusLine = $("status");
  const errorBox = $("error");
  const result = $("result");
  const buttons = form.querySelectorAll("button[type=submit]");

  function setBusy(busy, task) {
    buttons.forEach((button) => { button.disabled = busy; });
    form.setAttribute("aria-busy", String(busy));
    statusLine.textContent = busy ? (task === "summarize" ? "Summarizing…" : "Translating…") : "";
  }

  function showError(task, message) {
    result.hidden = true;
    const verb = task === "summarize" ? "summarize" : "translate";
    errorBox.textContent = `Could not ${verb}: ${message}`;
    errorBox.hidden = false;
    errorBox.scrollIntoView({ block: "nearest" });  // below the form on a phone
  }

  function retryAfter(response) {
    const seconds = Number(response.headers.get("Retry-After"));
    return Number.isFinite(seconds) && seconds > 0 ? ` Try again in ${seconds} s.` : "";
  }

  // The message of /v1's {"error": {"code", "message"}} or the compatible {"error": "..."}.
  function errorMessage(response, data) {
    let message = `the server answered ${response.status} ${response.statusText}`.trim() + ".";
    if (data && typeof data.error === "string") {
      message = data.error;
    } else if (data && data.error && typeof data.error.message === "string") {
      message = data.error.message;
    }
    if (!/[.!?]$/.test(message)) message += ".";
    const hint = HINTS[response.status];
    return `${message}${hint ? "\n" + hint : ""}${retryAfter(response)}`;
  }

  function addMeta(term, value) {
    if (value === undefined || value === null || value === "") return;
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    $("meta").append(dt, dd);
  }

  function showResult(task, data) {
    const item = data.results[0];
    const text = task === "summarize" ? (item.summary ?? item.text) : item.text;
    const noun = task === "summarize" ? "summary" : "translation";
    const title = $("result-title");
    const demoNote = $("result-demo");
    // Output of random demo models is never called a translation or a summary.
    if (data.demo) {
      title.textContent = "Demo output";
      demoNote.textContent =
        `Written by random demo models: this is noise, not a ${noun}. ` +
        "Serve a real model profile for real output.";
    } else {
      title.textContent = task === "summarize" ? "Summary" : "Translation";
    }
    demoNote.hidden = !data.demo;

    const output = $("output");
    output.textContent = text;
    const target = item.target || item.language;
    output.setAttribute("dir", target === "fa" ? "rtl" : target === "en" ? "ltr" : "auto");
    if (target) output.setAttribute("lang", target); else output.removeAttribute("lang");

    $("meta").replaceChildren();
    if (item.source && target) {
      addMeta("Direction", `${LANGUAGE_NAMES[item.source] || item.source} → ` +
        `${LANGUAGE_NAMES[target] || target}`);
    }
    const detected = item.detected;
    if (detected && detected.language) {
      const sure = Math.round(Number(detected.confidence) * 100);
      addMeta("Detected", `${LANGUAGE_NAMES[detected.language] || detected.language} (${sure}%)`);
    }
    const models = item.models || (item.model ? [item.model] : data.models);
    addMeta("Model", Array.isArray(models) ? models.join(", ") : models);
    addMeta("Strategy", item.strategy);
    addMeta("Note", item.fallback);  // why `auto` settled for a lesser strategy
    if (item.untranslated) addMeta("Note", "No letters to translate: shown as sent.");
    if (Array.isArray(item.terms_lost) && item.terms_lost.length) {
      addMeta("Terms lost", item.terms_lost.join(", "));
    }
    if (typeof data.timing_ms === "number") addMeta("Time", `${Math.round(data.timing_ms)} ms`);
    errorBox.hidden = true;
    result.hidden = false;
    result.scrollIntoView({ block: "nearest" });
  }

  function requestBody(task) {
    const body = { text: $("text").value, source: $("source").value };
    if ($("target").value) body.target = $("target").value;
    if (task === "summarize") {
      body.mode = $("mode").value;
      const most = $("max-sentences").value;
      if (most) body.max_sentences = Number(most);
    }
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const task = event.submitter && event.submitter.value === "summarize" ? "summarize" : "translate";
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const key = $("api-key").value.trim();
    if (key) headers.Authorization = `Bearer ${key}`;
    setBusy(true, task);
    try {
      let response;
      try {
        response = await fetch(new URL(`v1/${task}`, document.baseURI), {
          method: "POST", headers, body: JSON.stringify(requestBody(task)),
        });
      } catch (error) {
        showError(task, "the server could not be reached. Check the connection and try again.");
        return;
      }
      let data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      if (!response.ok) {
        showError(task, errorMessage(response, data));
      } else if (!data || !Array.isArray(data.results) || data.results.length === 0) {
        showError(task, "the server's answer was not what this page expects.");
      } else {
        showResult(task, data);
      }
    } finally {
      setBusy(false, task);
    }
  });
})();
