/* FitGuide shopping-assistant widget.
 *
 * Embed with one tag:  <script src="https://HOST/widget.js" data-merchant="ID" async></script>
 * Optional: data-lang="zh|en" (default: the page's <html lang>).
 *
 * Plain JS, no framework, no build step. Everything lives in a closed-over shadow root so the host
 * page's CSS cannot reach it. Merchant and product text is only ever inserted with textContent or
 * setAttribute, never as HTML.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript || findScript();
  if (!SCRIPT || window.__fitguideWidgetLoaded) return;
  window.__fitguideWidgetLoaded = true;

  var MERCHANT = SCRIPT.getAttribute("data-merchant") || "";
  var API_BASE = new URL(".", SCRIPT.src).href; // the folder widget.js was served from
  var PROFILE_KEY = "fitguide:profile:v1";
  var SESSION_KEY = "fitguide:session:" + MERCHANT;
  var LANG_KEY = "fitguide:lang";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var JIN_KG = 0.5;
  var LB_KG = 0.45359237;

  function findScript() {
    var scripts = document.querySelectorAll("script[data-merchant]");
    for (var i = 0; i < scripts.length; i++) {
      if (/\/widget\.js(\?|#|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  var I18N = {
    en: {
      title: "Shopping assistant",
      subtitle: "Find it, and find your size",
      open: "Open shopping assistant",
      close: "Close",
      back: "Back to chat",
      langSwitch: "中文",
      langSwitchLabel: "切换到中文",
      mySize: "My size",
      placeholder: "e.g. a linen shirt for summer under 300",
      send: "Send",
      messageLabel: "Your message",
      welcome: "Hi! Tell me what you are looking for. Add your size under \u201cMy size\u201d and I will pick the right size for every item.",
      thinking: "Looking\u2026",
      starters: ["Summer dresses", "Men's jeans", "Linen shirts under 300"],
      failed: "Sorry, that did not go through.",
      retry: "Retry",
      suggestions: "Suggestions",
      products: "Products",
      inStock: "In stock in your size",
      outOfStock: "Your size is sold out",
      sizeLabel: "Recommended size",
      confidence: "chance it is the best size",
      view: "View product",
      fitDetails: "See how it fits",
      // size form
      formTitle: "My size",
      formHint: "Saved only in this browser and sent with your questions to pick sizes.",
      height: "Height (cm)",
      weight: "Weight",
      unit: "Weight unit",
      sex: "Sex",
      female: "Female",
      male: "Male",
      unspecified: "Prefer not to say",
      optional: "Optional measurements (cm)",
      chest: "Chest",
      waist: "Waist",
      hip: "Hip",
      fit: "Fit preference",
      fitSnug: "Snug",
      fitRegular: "Regular",
      fitLoose: "Loose",
      save: "Save",
      clear: "Clear",
      saved: "Saved. Sizes will be picked for you.",
      cleared: "Cleared.",
      invalidNumber: "Please enter a number between {min} and {max}.",
      profileSet: "Your size: {summary}",
      // fit view
      fitTitle: "How it fits",
      fitLoading: "Working out the fit\u2026",
      fitUnavailable: "No size chart for this item, so the fit can't be shown.",
      fitNeedsProfile: "Add your height and weight under \u201cMy size\u201d to see how it fits.",
      haoxing: "Your GB/T size code: {code}",
      sizeWarning: "may not fit",
      legend: "Fit scale",
      body: "you",
      garment: "garment",
      tight: "tight",
      snug: "snug",
      good: "good",
      loose: "loose",
      sizeTabs: "Sizes",
      recommended: "recommended",
      dims: {
        chest: "Chest", bust: "Bust", waist: "Waist", hip: "Hip", shoulder: "Shoulder", length: "Length",
        sleeve: "Sleeve", inseam: "Inseam", neck: "Neck", height: "Height", weight: "Weight"
      }
    },
    zh: {
      title: "导购助手",
      subtitle: "找到喜欢的，也找到合适的尺码",
      open: "打开导购助手",
      close: "关闭",
      back: "返回对话",
      langSwitch: "EN",
      langSwitchLabel: "Switch to English",
      mySize: "我的尺码",
      placeholder: "比如：300元以内的夏季亚麻衬衫",
      send: "发送",
      messageLabel: "输入消息",
      welcome: "你好！告诉我你想找什么。在“我的尺码”里填写身高体重，我会为每件商品推荐合适的尺码。",
      thinking: "正在查找…",
      starters: ["夏天的连衣裙", "男士牛仔裤", "300元以内的衬衫"],
      failed: "抱歉，请求没有成功。",
      retry: "重试",
      suggestions: "推荐问题",
      products: "商品",
      inStock: "你的尺码有货",
      outOfStock: "你的尺码已售罄",
      sizeLabel: "推荐尺码",
      confidence: "可能是最合适的尺码",
      view: "查看商品",
      fitDetails: "查看合身情况",
      formTitle: "我的尺码",
      formHint: "只保存在本浏览器中，随提问一起发送，用于推荐尺码。",
      height: "身高（cm）",
      weight: "体重",
      unit: "体重单位",
      sex: "性别",
      female: "女",
      male: "男",
      unspecified: "不填",
      optional: "可选尺寸（cm）",
      chest: "胸围",
      waist: "腰围",
      hip: "臀围",
      fit: "版型偏好",
      fitSnug: "修身",
      fitRegular: "标准",
      fitLoose: "宽松",
      save: "保存",
      clear: "清除",
      saved: "已保存，将为你推荐尺码。",
      cleared: "已清除。",
      invalidNumber: "请输入 {min} 到 {max} 之间的数字。",
      profileSet: "你的尺码：{summary}",
      fitTitle: "合身情况",
      fitLoading: "正在计算合身情况…",
      fitUnavailable: "该商品没有尺码表，无法显示合身情况。",
      fitNeedsProfile: "请先在“我的尺码”中填写身高和体重。",
      haoxing: "你的号型：{code}",
      sizeWarning: "可能不合身",
      legend: "松紧",
      body: "身体",
      garment: "衣服",
      tight: "紧",
      snug: "偏紧",
      good: "合适",
      loose: "宽松",
      sizeTabs: "尺码",
      recommended: "推荐",
      dims: {
        chest: "胸围", bust: "胸围", waist: "腰围", hip: "臀围", shoulder: "肩宽", length: "衣长",
        sleeve: "袖长", inseam: "内长", neck: "领围", height: "身高", weight: "体重"
      }
    }
  };

  var VERDICT_COLOURS = { tight: "#d64545", snug: "#e8a33d", good: "#2f9e6e", loose: "#3a86c8" };
  var VERDICT_ORDER = ["tight", "snug", "good", "loose"];
  var PLACEHOLDER_SVG =
    "data:image/svg+xml;charset=utf-8," +
    encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 100"><rect width="80" height="100" fill="#eef0f3"/>' +
        '<path d="M28 22l12-6 12 6 12 8-6 10-6-3v41H28V37l-6 3-6-10z" fill="#c9ced6"/></svg>'
    );

  /* ---------------------------------------------------------------- state */

  function pageLanguage() {
    var attr = SCRIPT.getAttribute("data-lang") || document.documentElement.getAttribute("lang") || "";
    return /^zh/i.test(attr) ? "zh" : "en";
  }

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function storageSet(store, key, value) {
    try {
      if (value === null) window[store].removeItem(key);
      else window[store].setItem(key, value);
    } catch (e) { /* private mode: keep working without persistence */ }
  }

  var state = {
    lang: storageGet("localStorage", LANG_KEY) || pageLanguage(),
    open: false,
    sessionId: storageGet("sessionStorage", SESSION_KEY),
    profile: loadProfile(),
    pending: null, // the message being sent, kept until it succeeds
    busy: false,
    view: "chat",
    transcript: [] // [{role, text, products, suggestions, error}] re-rendered on language switch
  };

  function t(key) {
    var table = I18N[state.lang] || I18N.en;
    return key in table ? table[key] : I18N.en[key];
  }

  function loadProfile() {
    var raw = storageGet("localStorage", PROFILE_KEY);
    if (!raw) return null;
    try {
      var value = JSON.parse(raw);
      return value && typeof value === "object" ? value : null;
    } catch (e) {
      return null;
    }
  }

  /** The profile as the API wants it: cm and kg, only fields the shopper filled in. */
  function profilePayload() {
    var p = state.profile;
    if (!p) return null;
    var out = {};
    if (p.height) out.height_cm = p.height;
    if (p.weight) {
      var factor = p.weightUnit === "jin" ? JIN_KG : p.weightUnit === "lb" ? LB_KG : 1;
      out.weight_kg = Math.round(p.weight * factor * 10) / 10;
    }
    if (p.sex) out.sex = p.sex;
    if (p.chest) out.chest_cm = p.chest;
    if (p.waist) out.waist_cm = p.waist;
    if (p.hip) out.hip_cm = p.hip;
    if (p.fit) out.fit_preference = p.fit;
    return Object.keys(out).length ? out : null;
  }

  /* ---------------------------------------------------------------- DOM helpers */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var name in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, name) || attrs[name] == null) continue;
        if (name === "text") node.textContent = String(attrs[name]);
        else if (name === "class") node.className = attrs[name];
        else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), attrs[name]);
        else node.setAttribute(name, String(attrs[name]));
      }
    }
    (children || []).forEach(function (child) {
      if (child != null) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var name in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, name)) node.setAttribute(name, String(attrs[name]));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** Only http(s) URLs, resolved against the API base so relative demo images work. */
  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var url = new URL(value, API_BASE);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function formatPrice(price, currency) {
    if (typeof price !== "number" || !isFinite(price)) return "";
    var code = typeof currency === "string" && /^[A-Z]{3}$/.test(currency) ? currency : "CNY";
    try {
      return new Intl.NumberFormat(state.lang === "zh" ? "zh-CN" : "en-US", {
        style: "currency", currency: code, maximumFractionDigits: price % 1 ? 2 : 0
      }).format(price);
    } catch (e) {
      return code + " " + price.toFixed(2);
    }
  }

  /** The chat reply arrives HTML-escaped; it is shown as text, so undo the escaping (never parse it). */
  function unescapeHtml(text) {
    var entities = { "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'", "&amp;": "&" };
    return text.replace(/&(?:lt|gt|quot|amp|#x27|#39);/g, function (entity) { return entities[entity]; });
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return key in values ? values[key] : ""; });
  }

  /* ---------------------------------------------------------------- API */

  function api(path, body) {
    var url = API_BASE + path + "?merchant=" + encodeURIComponent(MERCHANT);
    return fetch(url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept-Language": state.lang === "zh" ? "zh-CN" : "en" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data && data.detail) || "HTTP " + response.status);
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  /* ---------------------------------------------------------------- build the shadow UI */

  var host = document.createElement("fitguide-widget");
  // CSSOM, not a style attribute: host pages with a strict CSP (no 'unsafe-inline') allow this.
  host.style.cssText = "all: initial !important; position: fixed !important; z-index: 2147483000 !important;" +
    " right: 0 !important; bottom: 0 !important; display: block !important; width: 0 !important; height: 0 !important;";
  var root = host.attachShadow({ mode: "open" });
  var sheetUrl = API_BASE + "static/widget.css";
  applyStyles(root);

  function applyStyles(shadow) {
    // A linked stylesheet keeps strict host-page CSPs (style-src without 'unsafe-inline') happy.
    var link = document.createElement("link");
    link.setAttribute("rel", "stylesheet");
    link.setAttribute("href", sheetUrl);
    shadow.appendChild(link);
  }

  var launcher = el("button", {
    class: "fg-launcher", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false",
    onclick: function () { setOpen(!state.open); }
  });
  var launcherIcon = buildLauncherIcon();
  launcher.appendChild(launcherIcon);
  var launcherText = el("span", { class: "fg-launcher-text" });
  launcher.appendChild(launcherText);

  var panel = el("section", { class: "fg-panel", role: "dialog", "aria-modal": "false", hidden: "" });
  var headerTitle = el("h2", { class: "fg-title", id: "fg-title" });
  var headerSubtitle = el("p", { class: "fg-subtitle" });
  var langButton = el("button", { class: "fg-chip-btn", type: "button", onclick: switchLanguage });
  var sizeButton = el("button", { class: "fg-chip-btn fg-size-btn", type: "button", onclick: function () { showView("size"); } });
  var closeButton = el("button", { class: "fg-icon-btn", type: "button", onclick: function () { setOpen(false); } }, [
    closeIcon()
  ]);
  var header = el("header", { class: "fg-header" }, [
    el("div", { class: "fg-heading" }, [headerTitle, headerSubtitle]),
    el("div", { class: "fg-actions" }, [sizeButton, langButton, closeButton])
  ]);
  panel.setAttribute("aria-labelledby", "fg-title");

  // chat view
  var log = el("div", { class: "fg-log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
  var chips = el("div", { class: "fg-chips", role: "group" });
  var input = el("textarea", { class: "fg-input", rows: "1", maxlength: "500", autocomplete: "off" });
  var sendButton = el("button", { class: "fg-send", type: "submit" });
  var composer = el("form", { class: "fg-composer", novalidate: "" }, [input, sendButton]);
  var profileBar = el("button", { class: "fg-profile-bar", type: "button", onclick: function () { showView("size"); } });
  var chatView = el("div", { class: "fg-view fg-chat" }, [log, chips, profileBar, composer]);

  // size view
  var sizeView = el("div", { class: "fg-view fg-size", hidden: "" });
  // fit view
  var fitView = el("div", { class: "fg-view fg-fit", hidden: "" });

  panel.appendChild(header);
  panel.appendChild(chatView);
  panel.appendChild(sizeView);
  panel.appendChild(fitView);
  // Hidden until widget.css loads (its `display: block !important` wins), so nothing flashes unstyled.
  var frame = el("div", { class: "fg-root", lang: state.lang }, [panel, launcher]);
  frame.style.display = "none";
  root.appendChild(frame);

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(input.value);
    }
  });
  input.addEventListener("input", autoGrow);
  panel.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    if (state.view !== "chat") showView("chat");
    else setOpen(false);
  });

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  function buildLauncherIcon() {
    var icon = svg("svg", { viewBox: "0 0 24 24", width: "24", height: "24", "aria-hidden": "true", focusable: "false" });
    icon.appendChild(svg("path", {
      d: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z",
      fill: "currentColor"
    }));
    icon.appendChild(svg("path", { d: "M8 8.5h8M8 11.5h5", stroke: "#fff", "stroke-width": "1.6", "stroke-linecap": "round" }));
    return icon;
  }

  function closeIcon() {
    var icon = svg("svg", { viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true", focusable: "false" });
    icon.appendChild(svg("path", { d: "M6 6l12 12M18 6L6 18", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round" }));
    return icon;
  }

  /* ---------------------------------------------------------------- open / close / views */

  function setOpen(open) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    frame.classList.toggle("fg-is-open", open);
    if (open) {
      if (!state.transcript.length) {
        addMessage({ role: "assistant", text: null, welcome: true });
        renderChips(t("starters"));
      }
      showView(state.view === "fit" ? "chat" : state.view);
    } else {
      launcher.focus();
    }
  }

  function showView(name) {
    state.view = name;
    chatView.hidden = name !== "chat";
    sizeView.hidden = name !== "size";
    fitView.hidden = name !== "fit";
    if (name === "size") renderSizeForm();
    if (name === "chat") {
      renderProfileBar();
      input.focus();
    }
  }

  function switchLanguage() {
    state.lang = state.lang === "zh" ? "en" : "zh";
    storageSet("localStorage", LANG_KEY, state.lang);
    renderChrome();
    renderTranscript();
    if (state.view === "size") renderSizeForm();
    if (state.view === "fit" && state.fitProduct) openFit(state.fitProduct);
    langButton.focus();
  }

  function renderChrome() {
    frame.setAttribute("lang", state.lang);
    launcher.setAttribute("aria-label", t("open"));
    launcherText.textContent = t("title");
    headerTitle.textContent = t("title");
    headerSubtitle.textContent = t("subtitle");
    langButton.textContent = t("langSwitch");
    langButton.setAttribute("aria-label", t("langSwitchLabel"));
    langButton.setAttribute("lang", state.lang === "zh" ? "en" : "zh");
    sizeButton.textContent = t("mySize");
    closeButton.setAttribute("aria-label", t("close"));
    closeButton.setAttribute("title", t("close"));
    input.setAttribute("placeholder", t("placeholder"));
    input.setAttribute("aria-label", t("messageLabel"));
    sendButton.textContent = t("send");
    chips.setAttribute("aria-label", t("suggestions"));
    renderProfileBar();
  }

  function renderProfileBar() {
    var summary = profileSummary();
    profileBar.hidden = !summary;
    profileBar.textContent = summary ? format(t("profileSet"), { summary: summary }) : "";
  }

  function profileSummary() {
    var p = state.profile;
    if (!p || (!p.height && !p.weight)) return "";
    var parts = [];
    if (p.height) parts.push(p.height + " cm");
    if (p.weight) parts.push(p.weight + " " + (p.weightUnit === "jin" ? "斤" : p.weightUnit === "lb" ? "lb" : "kg"));
    if (p.sex) parts.push(t(p.sex));
    return parts.join(" · ");
  }

  /* ---------------------------------------------------------------- chat */

  function send(text) {
    text = (text || "").trim();
    if (!text || state.busy) return;
    state.pending = text;
    input.value = "";
    autoGrow();
    addMessage({ role: "user", text: text });
    request(text);
  }

  function request(text) {
    state.busy = true;
    sendButton.disabled = true;
    var thinking = el("div", { class: "fg-msg fg-assistant fg-thinking", text: t("thinking") });
    log.appendChild(thinking);
    scrollToEnd();
    var body = { merchant_id: MERCHANT, message: text };
    if (state.sessionId) body.session_id = state.sessionId;
    var profile = profilePayload();
    if (profile) body.profile = profile;
    api("api/chat", body)
      .then(function (data) {
        if (data.session_id) {
          state.sessionId = data.session_id;
          storageSet("sessionStorage", SESSION_KEY, data.session_id);
        }
        state.pending = null;
        adoptChatBody(data.body);
        addMessage({
          role: "assistant",
          text: typeof data.reply === "string" ? unescapeHtml(data.reply) : "",
          products: Array.isArray(data.products) ? data.products : [],
          suggestions: Array.isArray(data.suggestions) ? data.suggestions : []
        });
      })
      .catch(function (error) {
        // Keep what was typed: put it back in the box unless the shopper already typed something new.
        if (!input.value) input.value = text;
        addMessage({ role: "error", text: error && error.data && error.data.detail ? String(error.data.detail) : "" });
      })
      .then(function () {
        if (thinking.parentNode) thinking.parentNode.removeChild(thinking);
        state.busy = false;
        sendButton.disabled = false;
      });
  }

  /** Height and weight the shopper typed in the chat become their "my size" unless the form already has them. */
  function adoptChatBody(body) {
    if (!body || typeof body.height_cm !== "number" || typeof body.weight_kg !== "number") return;
    var current = state.profile || {};
    if (current.height && current.weight) return;
    var values = {};
    for (var key in current) values[key] = current[key];
    values.height = body.height_cm;
    values.weight = body.weight_kg;
    values.weightUnit = "kg";
    if (!values.sex && (body.sex === "female" || body.sex === "male")) values.sex = body.sex;
    if (!values.fit) values.fit = "regular";
    state.profile = values;
    storageSet("localStorage", PROFILE_KEY, JSON.stringify(values));
    renderProfileBar();
  }

  function retry() {
    if (state.pending && !state.busy) {
      if (input.value === state.pending) input.value = "";
      request(state.pending);
    }
  }

  function addMessage(message) {
    state.transcript.push(message);
    var node = renderMessage(message, state.transcript.length - 1);
    log.appendChild(node);
    if (message.role === "assistant" && !message.welcome) renderChips(message.suggestions || []);
    scrollToEnd();
    // A long answer is read from its start: bring the top of the reply into view, not the last card.
    if (message.role === "assistant" && node.offsetHeight > log.clientHeight) {
      log.scrollTop = Math.max(0, node.offsetTop - log.offsetTop - 48);
    }
  }

  function renderTranscript() {
    clear(log);
    state.transcript.forEach(function (message, index) { log.appendChild(renderMessage(message, index)); });
    var last = state.transcript.filter(function (m) { return m.role === "assistant" && !m.welcome; }).pop();
    renderChips(last ? last.suggestions || [] : t("starters"));
  }

  function renderMessage(message, index) {
    if (message.role === "user") return el("div", { class: "fg-msg fg-user", text: message.text });
    if (message.role === "error") {
      var isLast = index === state.transcript.length - 1;
      return el("div", { class: "fg-msg fg-error", role: "alert" }, [
        el("span", { text: t("failed") + (message.text ? " " + message.text : "") }),
        isLast ? el("button", { class: "fg-retry", type: "button", text: t("retry"), onclick: function (e) {
          e.currentTarget.disabled = true;
          retry();
        } }) : null
      ]);
    }
    var wrap = el("div", { class: "fg-turn" });
    wrap.appendChild(el("div", { class: "fg-msg fg-assistant", text: message.welcome ? t("welcome") : message.text }));
    if (message.products && message.products.length) {
      var list = el("ul", { class: "fg-cards", "aria-label": t("products") });
      message.products.forEach(function (product) { list.appendChild(renderCard(product)); });
      wrap.appendChild(list);
    }
    return wrap;
  }

  function renderChips(suggestions) {
    clear(chips);
    suggestions.slice(0, 6).forEach(function (suggestion) {
      var label = typeof suggestion === "string" ? suggestion : suggestion && (suggestion.text || suggestion.label);
      if (!label) return;
      var message = typeof suggestion === "object" && suggestion.message ? suggestion.message : label;
      chips.appendChild(el("button", { class: "fg-chip", type: "button", text: label, onclick: function () { send(String(message)); } }));
    });
    chips.hidden = !chips.firstChild;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderCard(product) {
    var title = String(product.title || product.sku || "");
    var image = el("img", { class: "fg-img", alt: "", loading: "lazy", width: "72", height: "90" });
    var imageUrl = safeUrl(product.image_url);
    image.setAttribute("src", imageUrl || PLACEHOLDER_SVG);
    image.addEventListener("error", function () {
      if (image.getAttribute("src") !== PLACEHOLDER_SVG) image.setAttribute("src", PLACEHOLDER_SVG);
    });

    var info = el("div", { class: "fg-info" }, [
      el("p", { class: "fg-card-title", text: title }),
      el("p", { class: "fg-price", text: formatPrice(product.price, product.currency) })
    ]);
    var meta = el("div", { class: "fg-meta" });
    if (product.recommended_size) {
      // A body beyond the chart: no percentage (it would read as a promise), a warning colour instead.
      var warning = product.size_warning === true;
      var confidence = !warning && typeof product.size_confidence === "number" ? Math.round(product.size_confidence * 100) : null;
      var badgeText = String(product.recommended_size) + (warning ? " · " + t("sizeWarning") : confidence != null ? " · " + confidence + "%" : "");
      meta.appendChild(el("span", {
        class: warning ? "fg-badge fg-warn" : "fg-badge", text: badgeText,
        title: t("sizeLabel"),
        "aria-label": t("sizeLabel") + " " + product.recommended_size + (confidence != null ? ", " + confidence + "% " + t("confidence") : "")
      }));
    }
    if (product.in_stock_in_size === true) meta.appendChild(el("span", { class: "fg-stock fg-yes", text: t("inStock") }));
    else if (product.in_stock_in_size === false) meta.appendChild(el("span", { class: "fg-stock fg-no", text: t("outOfStock") }));
    if (meta.firstChild) info.appendChild(meta);
    if (product.fit_summary) info.appendChild(el("p", { class: "fg-fit-line", text: String(product.fit_summary) }));

    var open = el("button", {
      class: "fg-card-main", type: "button", "aria-label": title + " \u2013 " + t("fitDetails"),
      onclick: function () { openFit(product); }
    }, [image, info]);
    var item = el("li", {
      class: "fg-card", "data-sku": product.sku, "data-price": product.price, "data-size": product.recommended_size
    }, [open]);
    var link = safeUrl(product.url);
    if (link) {
      item.appendChild(el("div", { class: "fg-card-foot" }, [
        el("a", {
          class: "fg-link", href: link, target: "_blank", rel: "noopener noreferrer", text: t("view") + " \u2197",
          "aria-label": t("view") + ": " + title
        })
      ]));
    }
    return item;
  }

  /* ---------------------------------------------------------------- fit view */

  function openFit(product) {
    state.fitProduct = product;
    showView("fit");
    clear(fitView);
    fitView.setAttribute("role", "region");
    fitView.setAttribute("aria-label", t("fitTitle"));
    var back = el("button", { class: "fg-back", type: "button", text: "\u2190 " + t("back"), onclick: function () { showView("chat"); } });
    fitView.appendChild(back);
    fitView.appendChild(el("h3", { class: "fg-fit-title", text: String(product.title || product.sku || "") }));
    var status = el("p", { class: "fg-status", role: "status", text: t("fitLoading") });
    fitView.appendChild(status);
    back.focus();
    var profile = profilePayload();
    if (!profile || !profile.height_cm || !profile.weight_kg) {
      status.textContent = t("fitNeedsProfile");
      status.appendChild(document.createTextNode(" "));
      status.appendChild(el("button", { class: "fg-linkish", type: "button", text: t("mySize"), onclick: function () { showView("size"); } }));
      return;
    }
    var bodyInput = {};
    for (var key in profile) if (key !== "fit_preference") bodyInput[key] = profile[key];
    var body = { merchant_id: MERCHANT, sku: product.sku, body: bodyInput, lang: state.lang };
    if (profile.fit_preference) body.fit_preference = profile.fit_preference;
    api("api/size/recommend", body)
      .then(function (data) {
        if (state.fitProduct !== product || state.view !== "fit") return;
        var sizes = sizesFromResponse(data);
        if (!sizes.length) {
          // The server's own words (e.g. "no size chart ... your GB/T size code is 170/88A") when it has them.
          status.textContent = typeof data.explanation === "string" && data.explanation ? data.explanation : t("fitUnavailable");
          return;
        }
        status.parentNode.removeChild(status);
        renderFit(data, sizes);
      })
      .catch(function (error) {
        status.textContent = t("failed") + (error && error.data && error.data.detail ? " " + error.data.detail : "");
        status.appendChild(document.createTextNode(" "));
        status.appendChild(el("button", { class: "fg-retry", type: "button", text: t("retry"), onclick: function () { openFit(product); } }));
      });
  }

  /**
   * [{size, dimensions, recommended, probability, tradeoff}] for the recommended size and its neighbours,
   * in chart order. Neighbours carry dimensions when the API sends them (``neighbours``); otherwise the
   * API's alternatives (probability and trade-off sentence) stand in for them.
   */
  function sizesFromResponse(data) {
    if (data.status && data.status !== "ok") return [];
    var bySize = {};
    function add(entry, recommended) {
      if (!entry || entry.size == null) return;
      var key = String(entry.size);
      var current = bySize[key] || { size: key, dimensions: [], recommended: false, probability: null, tradeoff: "" };
      if (Array.isArray(entry.dimensions) && entry.dimensions.length) current.dimensions = entry.dimensions;
      if (typeof entry.probability === "number") current.probability = entry.probability;
      if (typeof entry.tradeoff === "string") current.tradeoff = entry.tradeoff;
      current.recommended = current.recommended || recommended;
      bySize[key] = current;
    }
    add({ size: data.size, dimensions: data.dimensions, probability: data.confidence }, true);
    (Array.isArray(data.neighbours) ? data.neighbours : []).forEach(function (n) { add(n, false); });
    (Array.isArray(data.alternatives) ? data.alternatives : []).forEach(function (a) { add(a, false); });
    var order = data.probabilities && typeof data.probabilities === "object" ? Object.keys(data.probabilities) : [];
    var sizes = Object.keys(bySize).map(function (key) { return bySize[key]; });
    sizes.sort(function (a, b) { return order.indexOf(a.size) - order.indexOf(b.size); });
    return sizes.filter(function (entry) { return entry.dimensions.length || entry.tradeoff || entry.recommended; });
  }

  function renderFit(data, sizes) {
    var current = sizes.filter(function (s) { return s.recommended; })[0] || sizes[0];
    var tabs = el("div", { class: "fg-tabs", role: "tablist", "aria-label": t("sizeTabs") });
    var panelBox = el("div", { class: "fg-fit-panel", role: "tabpanel" });
    var buttons = sizes.map(function (entry) {
      var label = entry.size + (entry.recommended ? " \u2605" : "");
      var button = el("button", {
        class: "fg-tab", type: "button", role: "tab", text: label,
        "aria-label": entry.size + (entry.recommended ? " (" + t("recommended") + ")" : ""),
        onclick: function () { select(entry, button); }
      });
      button.addEventListener("keydown", function (event) {
        var index = buttons.indexOf(button);
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          event.preventDefault();
          var next = buttons[(index + (event.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length];
          next.click();
          next.focus();
        }
      });
      tabs.appendChild(button);
      return button;
    });

    function select(entry, button) {
      buttons.forEach(function (b) {
        b.setAttribute("aria-selected", b === button ? "true" : "false");
        b.setAttribute("tabindex", b === button ? "0" : "-1");
      });
      clear(panelBox);
      if (entry.dimensions.length) {
        panelBox.appendChild(fitFigure(entry));
        panelBox.appendChild(fitTable(entry));
      }
      var note = el("div", { class: "fg-size-note" });
      if (typeof entry.probability === "number") {
        note.appendChild(el("p", { class: "fg-prob", text: entry.size + " \u00b7 " + Math.round(entry.probability * 100) + "% " + t("confidence") }));
      }
      if (entry.tradeoff) note.appendChild(el("p", { class: "fg-explain", text: entry.tradeoff }));
      if (note.firstChild) panelBox.appendChild(note);
    }

    fitView.appendChild(tabs);
    fitView.appendChild(panelBox);
    fitView.appendChild(legend());
    if (typeof data.fit_note === "string" && data.fit_note) fitView.appendChild(el("p", { class: "fg-note", text: data.fit_note }));
    if (typeof data.explanation === "string" && data.explanation) fitView.appendChild(el("p", { class: "fg-explain", text: data.explanation }));
    if (typeof data.haoxing === "string" && data.haoxing) fitView.appendChild(el("p", { class: "fg-haoxing", text: format(t("haoxing"), { code: data.haoxing }) }));
    select(current, buttons[sizes.indexOf(current)]);
  }

  // The server's words for a verdict (lengths read "too short"/"long", not "tight"/"loose").
  function verdictLabel(dimension) {
    return typeof dimension.verdict_label === "string" && dimension.verdict_label ? dimension.verdict_label : t(verdictOf(dimension));
  }

  function verdictOf(dimension) {
    var verdict = String(dimension.verdict || "");
    return VERDICT_ORDER.indexOf(verdict) >= 0 ? verdict : "good";
  }

  // Where each body dimension is drawn on the figure (viewBox 0 0 120 220).
  var FIGURE_BANDS = {
    neck: { y: 34, x1: 52, x2: 68 },
    shoulder: { y: 46, x1: 33, x2: 87 },
    chest: { y: 62, x1: 38, x2: 82 },
    bust: { y: 62, x1: 38, x2: 82 },
    waist: { y: 92, x1: 42, x2: 78 },
    hip: { y: 114, x1: 38, x2: 82 },
    sleeve: { y: 96, x1: 20, x2: 32 },
    length: { y: 124, x1: 40, x2: 80 },
    inseam: { y: 170, x1: 44, x2: 76 }
  };

  function fitFigure(entry) {
    var figure = svg("svg", { class: "fg-figure", viewBox: "0 0 120 220", role: "img" });
    var labels = [];
    // A neutral figure: head, torso, arms, legs.
    figure.appendChild(svg("circle", { cx: 60, cy: 18, r: 12, fill: "#dfe3ea" }));
    figure.appendChild(svg("path", {
      d: "M52 30h16l2 8 18 6 6 46-8 2-6-36-2 24 4 30-6 80H62l-2-60-2 60H46l-6-80 4-30-2-24-6 36-8-2 6-46 18-6z",
      fill: "#dfe3ea"
    }));
    entry.dimensions.forEach(function (dimension) {
      var band = FIGURE_BANDS[dimension.dimension || dimension.name];
      if (!band) return;
      var verdict = verdictOf(dimension);
      var line = svg("line", {
        x1: band.x1, x2: band.x2, y1: band.y, y2: band.y, stroke: VERDICT_COLOURS[verdict],
        "stroke-width": 6, "stroke-linecap": "round"
      });
      var title = svg("title", {});
      title.textContent = dimensionLabel(dimension) + ": " + verdictLabel(dimension);
      line.appendChild(title);
      figure.appendChild(line);
      labels.push(dimensionLabel(dimension) + " " + verdictLabel(dimension));
    });
    figure.setAttribute("aria-label", entry.size + ": " + labels.join(", "));
    return el("div", { class: "fg-figure-wrap" }, [figure]);
  }

  function dimensionLabel(dimension) {
    if (typeof dimension.label === "string" && dimension.label) return dimension.label;
    var key = dimension.dimension || dimension.name || "";
    var dims = t("dims");
    return dims[key] || String(key);
  }

  function cm(value) {
    return typeof value === "number" && isFinite(value) ? (Math.round(value * 10) / 10) + "" : "\u2013";
  }

  function fitTable(entry) {
    var rows = el("ul", { class: "fg-dims" });
    entry.dimensions.forEach(function (dimension) {
      var verdict = verdictOf(dimension);
      var numbers = t("body") + " " + cm(dimension.body_cm);
      if (typeof dimension.garment_cm === "number") {
        numbers += " / " + t("garment") + " " + cm(dimension.garment_cm);
        if (typeof dimension.ease_cm === "number") numbers += " (" + (dimension.ease_cm > 0 ? "+" : "") + cm(dimension.ease_cm) + ")";
      } else if (Array.isArray(dimension.chart_range_cm) && dimension.chart_range_cm.length === 2) {
        var low = dimension.chart_range_cm[0], high = dimension.chart_range_cm[1];
        numbers += " / " + entry.size + " " + (low === high ? cm(low) : cm(low) + "\u2013" + cm(high));
      }
      var verdictText = verdictLabel(dimension);
      rows.appendChild(el("li", { class: "fg-dim" }, [
        el("span", { class: "fg-dot fg-" + verdict, "aria-hidden": "true" }),
        el("span", { class: "fg-dim-name", text: dimensionLabel(dimension) }),
        el("span", { class: "fg-dim-nums", text: numbers }),
        el("span", { class: "fg-verdict fg-" + verdict, text: verdictText })
      ]));
    });
    return rows;
  }

  function legend() {
    var box = el("div", { class: "fg-legend", "aria-label": t("legend") });
    VERDICT_ORDER.forEach(function (verdict) {
      box.appendChild(el("span", { class: "fg-legend-item" }, [
        el("span", { class: "fg-dot fg-" + verdict, "aria-hidden": "true" }), t(verdict)
      ]));
    });
    return box;
  }

  /* ---------------------------------------------------------------- size form */

  var FIELD_LIMITS = {
    height: [50, 250], weight_kg: [20, 300], weight_jin: [40, 600], weight_lb: [44, 660],
    chest: [40, 200], waist: [30, 200], hip: [40, 200]
  };

  function renderSizeForm() {
    clear(sizeView);
    var p = state.profile || {};
    var back = el("button", { class: "fg-back", type: "button", text: "\u2190 " + t("back"), onclick: function () { showView("chat"); } });
    var status = el("p", { class: "fg-status", role: "status" });

    function numberField(name, label, value, extraAttrs) {
      var id = "fg-f-" + name;
      var attrs = { id: id, name: name, type: "text", inputmode: "decimal", class: "fg-field-input", autocomplete: "off" };
      for (var k in extraAttrs || {}) attrs[k] = extraAttrs[k];
      var field = el("input", attrs);
      if (value) field.value = String(value);
      return el("div", { class: "fg-field" }, [el("label", { for: id, text: label }), field]);
    }

    function select(name, label, options, value) {
      var id = "fg-f-" + name;
      var field = el("select", { id: id, name: name, class: "fg-field-input" });
      options.forEach(function (option) {
        var node = el("option", { value: option[0], text: option[1] });
        if (option[0] === (value || "")) node.selected = true;
        field.appendChild(node);
      });
      return el("div", { class: "fg-field" }, [el("label", { for: id, text: label }), field]);
    }

    var weightRow = el("div", { class: "fg-row" }, [
      numberField("weight", t("weight"), p.weight),
      select("weightUnit", t("unit"), [["kg", "kg"], ["jin", "斤"], ["lb", "lb"]], p.weightUnit || (state.lang === "zh" ? "jin" : "kg"))
    ]);
    var form = el("form", { class: "fg-form", novalidate: "" }, [
      el("h3", { class: "fg-form-title", text: t("formTitle") }),
      el("p", { class: "fg-hint", text: t("formHint") }),
      el("div", { class: "fg-row" }, [
        numberField("height", t("height"), p.height),
        select("sex", t("sex"), [["", t("unspecified")], ["female", t("female")], ["male", t("male")]], p.sex)
      ]),
      weightRow,
      el("fieldset", { class: "fg-fieldset" }, [
        el("legend", { text: t("optional") }),
        el("div", { class: "fg-row fg-row3" }, [
          numberField("chest", t("chest"), p.chest),
          numberField("waist", t("waist"), p.waist),
          numberField("hip", t("hip"), p.hip)
        ])
      ]),
      select("fit", t("fit"), [["regular", t("fitRegular")], ["slim", t("fitSnug")], ["loose", t("fitLoose")]], p.fit || "regular"),
      el("div", { class: "fg-form-actions" }, [
        el("button", { class: "fg-primary", type: "submit", text: t("save") }),
        el("button", { class: "fg-secondary", type: "button", text: t("clear"), onclick: clearProfile })
      ]),
      status
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveProfile(form, status);
    });
    sizeView.appendChild(back);
    sizeView.appendChild(form);
    var first = form.querySelector("input");
    if (first) first.focus();

    function clearProfile() {
      state.profile = null;
      storageSet("localStorage", PROFILE_KEY, null);
      renderSizeForm();
      var fresh = sizeView.querySelector(".fg-status");
      if (fresh) fresh.textContent = t("cleared");
    }
  }

  function saveProfile(form, status) {
    var values = {};
    var problem = null;
    var unit = form.elements.weightUnit.value;
    ["height", "weight", "chest", "waist", "hip"].forEach(function (name) {
      var field = form.elements[name];
      field.removeAttribute("aria-invalid");
      var raw = field.value.trim().replace(",", ".");
      if (!raw) return;
      var value = Number(raw);
      var limits = FIELD_LIMITS[name === "weight" ? "weight_" + unit : name];
      if (!isFinite(value) || value < limits[0] || value > limits[1]) {
        field.setAttribute("aria-invalid", "true");
        if (!problem) problem = { field: field, text: format(t("invalidNumber"), { min: limits[0], max: limits[1] }) };
        return;
      }
      values[name] = value;
    });
    if (problem) {
      status.textContent = problem.text;
      status.className = "fg-status fg-bad";
      problem.field.focus();
      return;
    }
    values.weightUnit = unit;
    values.sex = form.elements.sex.value || null;
    values.fit = form.elements.fit.value || "regular";
    state.profile = values;
    storageSet("localStorage", PROFILE_KEY, JSON.stringify(values));
    status.className = "fg-status fg-good";
    status.textContent = t("saved");
    renderProfileBar();
  }

  /* ---------------------------------------------------------------- start */

  renderChrome();
  function mount() {
    (document.body || document.documentElement).appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  // A tiny hook for shop pages and tests: FitGuide.open(), FitGuide.close().
  window.FitGuide = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); }
  };
})();
