// Autosave of long answers (progressive enhancement; the pages work without
// it). A form with data-autosave-url saves each of its textareas marked
// data-autosave a moment after the person stops typing, and once more when
// the page is hidden or closed, by POSTing {field, value} with the form's
// CSRF token. The server answers in JSON: {saved: true, saved_at} or
// {saved: false, error}. Pressing the form's own buttons still saves
// everything, as it does without JavaScript.

const DELAY_MS = 1500;

function statusFor(textarea) {
  const group = textarea.closest(".govuk-form-group") || textarea.parentElement;
  let status = group.querySelector("[data-autosave-status]");
  if (!status) {
    status = document.createElement("p");
    status.className = "govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0";
    status.setAttribute("data-autosave-status", "");
    status.setAttribute("role", "status");
    group.appendChild(status);
  }
  return status;
}

function enhance(form) {
  const url = form.dataset.autosaveUrl;
  const tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!url || !tokenInput) {
    return;
  }
  const fields = [...form.querySelectorAll("textarea[data-autosave]")];
  const saved = new Map(fields.map((field) => [field, field.value]));
  const timers = new Map();

  function body(field) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", tokenInput.value);
    data.append("field", field.name);
    data.append("value", field.value);
    return data;
  }

  async function save(field) {
    timers.delete(field);
    const value = field.value;
    if (saved.get(field) === value) {
      return;
    }
    const status = statusFor(field);
    status.textContent = "Saving…";
    try {
      const response = await fetch(url, {
        method: "POST",
        body: body(field),
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenInput.value, Accept: "application/json" },
      });
      const result = await response.json();
      if (result.saved) {
        saved.set(field, value);
        status.textContent = `Saved automatically at ${result.saved_at}`;
      } else {
        status.textContent = `Not saved automatically: ${result.error} Press a save button below to keep your answer.`;
      }
    } catch {
      status.textContent = "Not saved automatically. Press a save button below to keep your answer.";
    }
  }

  for (const field of fields) {
    field.addEventListener("input", () => {
      clearTimeout(timers.get(field));
      timers.set(field, setTimeout(() => save(field), DELAY_MS));
    });
  }

  // The form's own buttons save everything: nothing is left to autosave.
  form.addEventListener("submit", () => {
    for (const field of fields) {
      clearTimeout(timers.get(field));
      saved.set(field, field.value);
    }
  });

  // Leaving the page: send what has not been saved, even as the page closes.
  function flush() {
    for (const field of fields) {
      if (saved.get(field) !== field.value && navigator.sendBeacon(url, body(field))) {
        clearTimeout(timers.get(field));
        saved.set(field, field.value);
      }
    }
  }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
}

for (const form of document.querySelectorAll("form[data-autosave-url]")) {
  enhance(form);
}
