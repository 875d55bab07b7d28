export class WidgetHandle {
static __wrap(ptr) {
const obj = Object.create(WidgetHandle.prototype);
obj.__wbg_ptr = ptr;
WidgetHandleFinalization.register(obj, obj.__wbg_ptr, obj);
return obj;
}
__destroy_into_raw() {
const ptr = this.__wbg_ptr;
this.__wbg_ptr = 0;
WidgetHandleFinalization.unregister(this);
return ptr;
}
free() {
const ptr = this.__destroy_into_raw();
wasm.__wbg_widgethandle_free(ptr, 0);
}
unmount() {
wasm.widgethandle_unmount(this.__wbg_ptr);
}
}
if (Symbol.dispose) WidgetHandle.prototype[Symbol.dispose] = WidgetHandle.prototype.free;
export function mount(shadow, options) {
try {
const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
wasm.mount(retptr, shadow, options);
var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
if (r2) {
throw takeFromExternrefTable0(r1);
}
return WidgetHandle.__wrap(r0);
} finally {
wasm.__wbindgen_add_to_stack_pointer(16);
}
}
function __wbg_get_imports() {
const import0 = {
__proto__: null,
__wbg___wbindgen_boolean_get_4f1baf9a00be3c74: function(arg0) {
const v = arg0;
const ret = typeof(v) === 'boolean' ? v : undefined;
return isLikeNone(ret) ? 0xFFFFFF : ret ? 1 : 0;
},
__wbg___wbindgen_debug_string_f249a2a76caa9a55: function(arg0, arg1) {
const ret = debugString(arg1);
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg___wbindgen_is_falsy_d864b623500ae65d: function(arg0) {
const ret = !arg0;
return ret;
},
__wbg___wbindgen_is_function_741ff2bb612836f5: function(arg0) {
const ret = typeof(arg0) === 'function';
return ret;
},
__wbg___wbindgen_is_null_c22311b1cc228e3a: function(arg0) {
const ret = arg0 === null;
return ret;
},
__wbg___wbindgen_is_object_8b968c3ab8e96595: function(arg0) {
const val = arg0;
const ret = typeof(val) === 'object' && val !== null;
return ret;
},
__wbg___wbindgen_is_undefined_be5b34249ff1fc15: function(arg0) {
const ret = arg0 === undefined;
return ret;
},
__wbg___wbindgen_number_get_934b640d0889af78: function(arg0, arg1) {
const obj = arg1;
const ret = typeof(obj) === 'number' ? obj : undefined;
getDataViewMemory0().setFloat64((arg0 >>> 0) + 8 * 1, isLikeNone(ret) ? 0 : ret, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, !isLikeNone(ret), true);
},
__wbg___wbindgen_string_get_7ce8eee7fd327545: function(arg0, arg1) {
const obj = arg1;
const ret = typeof(obj) === 'string' ? obj : undefined;
var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
var len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
throw new Error(getStringFromWasm0(arg0, arg1));
},
__wbg__wbg_cb_unref_09736879a3f67559: function(arg0) {
arg0._wbg_cb_unref();
},
__wbg_abort_f8d1589eb0c65ee2: function(arg0) {
arg0.abort();
},
__wbg_activeElement_6c30fe7fda33ef51: function(arg0) {
const ret = arg0.activeElement;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_addEventListener_847fd86b8c33ec43: function() { return handleError(function (arg0, arg1, arg2, arg3) {
arg0.addEventListener(getStringFromWasm0(arg1, arg2), arg3);
}, arguments); },
__wbg_appendChild_dbf7ad2f48413560: function() { return handleError(function (arg0, arg1) {
const ret = arg0.appendChild(arg1);
return ret;
}, arguments); },
__wbg_buffer_aca05a93c046db1a: function(arg0) {
const ret = arg0.buffer;
return ret;
},
__wbg_byobRequest_18280c78e462544c: function(arg0) {
const ret = arg0.byobRequest;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_byteLength_c5f3c188d5252e5b: function(arg0) {
const ret = arg0.byteLength;
return ret;
},
__wbg_byteOffset_63cdc7b38f33a45e: function(arg0) {
const ret = arg0.byteOffset;
return ret;
},
__wbg_call_275b78b3b6520b92: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
const ret = arg0.call(arg1, arg2, arg3, arg4);
return ret;
}, arguments); },
__wbg_call_40b008ba32f73991: function() { return handleError(function (arg0, arg1) {
const ret = arg0.call(arg1);
return ret;
}, arguments); },
__wbg_call_a410eb4b59ed5965: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.call(arg1, arg2);
return ret;
}, arguments); },
__wbg_cancelBubble_1164dd588f0c3481: function(arg0) {
const ret = arg0.cancelBubble;
return ret;
},
__wbg_checked_3f95ede4ece3a2c2: function(arg0) {
const ret = arg0.checked;
return ret;
},
__wbg_clearTimeout_fd2c5dfcf4c67f84: function(arg0, arg1) {
arg0.clearTimeout(arg1);
},
__wbg_cloneNode_36b90700fd8dbbb0: function() { return handleError(function (arg0) {
const ret = arg0.cloneNode();
return ret;
}, arguments); },
__wbg_close_294d3f727cb7a844: function() { return handleError(function (arg0) {
arg0.close();
}, arguments); },
__wbg_close_83412466bf4e34fb: function(arg0) {
arg0.close();
},
__wbg_close_8fd1fa1823bd1120: function(arg0) {
arg0.close();
},
__wbg_close_bf94aa7e38b9a94b: function() { return handleError(function (arg0) {
arg0.close();
}, arguments); },
__wbg_compare_5a1bb17ae6d233ef: function(arg0, arg1, arg2, arg3, arg4) {
const ret = arg0.compare(getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));
return ret;
},
__wbg_composedPath_99300fc960717ac7: function(arg0) {
const ret = arg0.composedPath();
return ret;
},
__wbg_createComment_bf8f324d5ce3d460: function(arg0, arg1, arg2) {
const ret = arg0.createComment(getStringFromWasm0(arg1, arg2));
return ret;
},
__wbg_createElementNS_2f7464180077e8e4: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
const ret = arg0.createElementNS(arg1 === 0 ? undefined : getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));
return ret;
}, arguments); },
__wbg_createElement_de4a31ed2fb252be: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.createElement(getStringFromWasm0(arg1, arg2));
return ret;
}, arguments); },
__wbg_createTextNode_2b48c3fc75dfcc67: function(arg0, arg1, arg2) {
const ret = arg0.createTextNode(getStringFromWasm0(arg1, arg2));
return ret;
},
__wbg_crypto_56d59c4d711676e1: function() { return handleError(function (arg0) {
const ret = arg0.crypto;
return ret;
}, arguments); },
__wbg_data_c7e5e8500f1bca2f: function(arg0) {
const ret = arg0.data;
return ret;
},
__wbg_deleteProperty_3ad7a085da623822: function() { return handleError(function (arg0, arg1) {
const ret = Reflect.deleteProperty(arg0, arg1);
return ret;
}, arguments); },
__wbg_dispatchEvent_a2af00ffae37e129: function() { return handleError(function (arg0, arg1) {
const ret = arg0.dispatchEvent(arg1);
return ret;
}, arguments); },
__wbg_documentElement_5e44e37dd0181a81: function(arg0) {
const ret = arg0.documentElement;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_document_3b5c3071b43e97ee: function(arg0) {
const ret = arg0.document;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_encodeURIComponent_e0d7769acee2dcb5: function(arg0, arg1) {
const ret = encodeURIComponent(getStringFromWasm0(arg0, arg1));
return ret;
},
__wbg_enqueue_c11626eae1c54509: function() { return handleError(function (arg0, arg1) {
arg0.enqueue(arg1);
}, arguments); },
__wbg_entries_7bb1459bd9b5c2b9: function(arg0) {
const ret = Object.entries(arg0);
return ret;
},
__wbg_error_d1fc0193610e0e39: function(arg0) {
console.error(arg0);
},
__wbg_fetch_21015a0a4570ab44: function(arg0, arg1, arg2, arg3) {
const ret = arg0.fetch(getStringFromWasm0(arg1, arg2), arg3);
return ret;
},
__wbg_fetch_c30fc2ed77d76a76: function(arg0, arg1, arg2) {
const ret = arg0.fetch(getStringFromWasm0(arg1, arg2));
return ret;
},
__wbg_focus_d5e2fdbdb56416f0: function() { return handleError(function (arg0) {
arg0.focus();
}, arguments); },
__wbg_format_dfa5856f91bad89c: function(arg0, arg1, arg2) {
const ret = arg1.format(arg2);
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_from_eac91875c8a5ffa4: function(arg0) {
const ret = Array.from(arg0);
return ret;
},
__wbg_getAttribute_c7b80d4010284561: function(arg0, arg1, arg2, arg3) {
const ret = arg1.getAttribute(getStringFromWasm0(arg2, arg3));
var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
var len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_getItem_49556a3e59cfb688: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg1.getItem(getStringFromWasm0(arg2, arg3));
var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
var len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
}, arguments); },
__wbg_getRootNode_6de097189559981d: function(arg0) {
const ret = arg0.getRootNode();
return ret;
},
__wbg_get_2080c49015e35254: function() { return handleError(function (arg0, arg1) {
const ret = Reflect.get(arg0, arg1);
return ret;
}, arguments); },
__wbg_get_556f1c9a5c587e8c: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg1.get(getStringFromWasm0(arg2, arg3));
var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
var len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
}, arguments); },
__wbg_get_d7176cfb76d71114: function(arg0, arg1) {
const ret = arg0[arg1 >>> 0];
return ret;
},
__wbg_get_unchecked_e6325ad374eff861: function(arg0, arg1) {
const ret = arg0[arg1 >>> 0];
return ret;
},
__wbg_has_2c4d5cf25ec8c1cf: function() { return handleError(function (arg0, arg1) {
const ret = Reflect.has(arg0, arg1);
return ret;
}, arguments); },
__wbg_headers_5fc0106c076eb731: function(arg0) {
const ret = arg0.headers;
return ret;
},
__wbg_hidden_34dfd3711ef53b31: function(arg0) {
const ret = arg0.hidden;
return ret;
},
__wbg_host_64d73c152c626ec8: function(arg0) {
const ret = arg0.host;
return ret;
},
__wbg_href_a0128fb7c568d8e5: function() { return handleError(function (arg0, arg1) {
const ret = arg1.href;
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
}, arguments); },
__wbg_includes_40dae55ee37516e5: function(arg0, arg1, arg2) {
const ret = arg0.includes(arg1, arg2);
return ret;
},
__wbg_insertBefore_10ab0c19b463c12b: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.insertBefore(arg1, arg2);
return ret;
}, arguments); },
__wbg_instanceof_Element_05dbb22ded594343: function(arg0) {
let result;
try {
result = arg0 instanceof Element;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_HtmlElement_ea32ea7121e0a496: function(arg0) {
let result;
try {
result = arg0 instanceof HTMLElement;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_HtmlSelectElement_e8e746c4e56224c9: function(arg0) {
let result;
try {
result = arg0 instanceof HTMLSelectElement;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_Promise_59148c6049d0e3a0: function(arg0) {
let result;
try {
result = arg0 instanceof Promise;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_Response_5b0b4f7f1daeae51: function(arg0) {
let result;
try {
result = arg0 instanceof Response;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_ShadowRoot_cd78159e03fed884: function(arg0) {
let result;
try {
result = arg0 instanceof ShadowRoot;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_Window_5cf453f5639aa1a2: function(arg0) {
let result;
try {
result = arg0 instanceof Window;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_isArray_bcf1376d0d732d08: function(arg0) {
const ret = Array.isArray(arg0);
return ret;
},
__wbg_isConnected_c529655b02d009e7: function(arg0) {
const ret = arg0.isConnected;
return ret;
},
__wbg_is_2248ff2b575d60c7: function(arg0, arg1) {
const ret = Object.is(arg0, arg1);
return ret;
},
__wbg_json_8d1f3da8fcd11229: function() { return handleError(function (arg0) {
const ret = arg0.json();
return ret;
}, arguments); },
__wbg_key_76125a528069feff: function(arg0, arg1) {
const ret = arg1.key;
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_languages_6102814e2a4f5511: function(arg0) {
const ret = arg0.languages;
return ret;
},
__wbg_length_186163212ffe79c3: function(arg0) {
const ret = arg0.length;
return ret;
},
__wbg_length_b03a0fabb109b1e9: function(arg0) {
const ret = arg0.length;
return ret;
},
__wbg_localStorage_6827cfe6db14a9f6: function() { return handleError(function (arg0) {
const ret = arg0.localStorage;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
}, arguments); },
__wbg_location_7320782274fc691b: function(arg0) {
const ret = arg0.location;
return ret;
},
__wbg_matchMedia_b53687d22ec43649: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.matchMedia(getStringFromWasm0(arg1, arg2));
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
}, arguments); },
__wbg_matches_a47c420646498c64: function(arg0) {
const ret = arg0.matches;
return ret;
},
__wbg_navigator_c17f443a6fe5d38d: function(arg0) {
const ret = arg0.navigator;
return ret;
},
__wbg_new_1ee3cbc8e179bff9: function() { return handleError(function (arg0, arg1, arg2) {
const ret = new Intl.NumberFormat(getStringFromWasm0(arg0, arg1), arg2);
return ret;
}, arguments); },
__wbg_new_37eb45aaf5eeb820: function() {
const ret = new Array();
return ret;
},
__wbg_new_3f4bcbee73d78fcb: function() { return handleError(function (arg0, arg1, arg2) {
const ret = new Intl.DisplayNames(getStringFromWasm0(arg0, arg1), arg2);
return ret;
}, arguments); },
__wbg_new_40ce002289802010: function() { return handleError(function (arg0, arg1) {
const ret = new Intl.PluralRules(getStringFromWasm0(arg0, arg1));
return ret;
}, arguments); },
__wbg_new_5f28518387ad0e34: function() { return handleError(function () {
const ret = new AbortController();
return ret;
}, arguments); },
__wbg_new_787b9fb330d55d78: function(arg0, arg1) {
const ret = new Error(getStringFromWasm0(arg0, arg1));
return ret;
},
__wbg_new_959f4d5eafef3722: function() { return handleError(function () {
const ret = new CSSStyleSheet();
return ret;
}, arguments); },
__wbg_new_b00e30ff1da50918: function() { return handleError(function (arg0, arg1) {
const ret = new BroadcastChannel(getStringFromWasm0(arg0, arg1));
return ret;
}, arguments); },
__wbg_new_ba40181b3f24ac80: function(arg0, arg1) {
try {
var state0 = {a: arg0, b: arg1};
var cb0 = (arg0, arg1) => {
const a = state0.a;
state0.a = 0;
try {
return __wasm_bindgen_func_elem_5303(a, state0.b, arg0, arg1);
} finally {
state0.a = a;
}
};
const ret = new Promise(cb0);
return ret;
} finally {
state0.a = 0;
}
},
__wbg_new_cd4348290afae586: function() {
const ret = new Object();
return ret;
},
__wbg_new_e7d0531ccb4ed9c3: function() { return handleError(function (arg0, arg1) {
const ret = new EventSource(getStringFromWasm0(arg0, arg1));
return ret;
}, arguments); },
__wbg_new_fba63202d6625778: function() { return handleError(function (arg0, arg1) {
const ret = new Intl.Collator(getStringFromWasm0(arg0, arg1));
return ret;
}, arguments); },
__wbg_new_typed_e09da9dae6ee5935: function(arg0, arg1) {
try {
var state0 = {a: arg0, b: arg1};
var cb0 = (arg0, arg1) => {
const a = state0.a;
state0.a = 0;
try {
return __wasm_bindgen_func_elem_5303(a, state0.b, arg0, arg1);
} finally {
state0.a = a;
}
};
const ret = new Promise(cb0);
return ret;
} finally {
state0.a = 0;
}
},
__wbg_new_with_byte_offset_and_length_3cd32055a417f095: function(arg0, arg1, arg2) {
const ret = new Uint8Array(arg0, arg1 >>> 0, arg2 >>> 0);
return ret;
},
__wbg_new_with_event_init_dict_afa9822926033490: function() { return handleError(function (arg0, arg1, arg2) {
const ret = new CustomEvent(getStringFromWasm0(arg0, arg1), arg2);
return ret;
}, arguments); },
__wbg_now_463ac581d2fc7ea3: function() {
const ret = Date.now();
return ret;
},
__wbg_of_027eb15371aac932: function(arg0) {
const ret = Array.of(arg0);
return ret;
},
__wbg_of_41543bb6bed5e7f4: function(arg0, arg1, arg2, arg3) {
const ret = arg1.of(getStringFromWasm0(arg2, arg3));
var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
var len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_ok_670a05555db5f713: function(arg0) {
const ret = arg0.ok;
return ret;
},
__wbg_ownerDocument_adefd47fd596fe80: function(arg0) {
const ret = arg0.ownerDocument;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_parentNode_fe15bcc26df42856: function(arg0) {
const ret = arg0.parentNode;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_parse_c3f72b5a24f83c01: function() { return handleError(function (arg0, arg1) {
const ret = JSON.parse(getStringFromWasm0(arg0, arg1));
return ret;
}, arguments); },
__wbg_postMessage_d9b34e55bfab4bdd: function() { return handleError(function (arg0, arg1) {
arg0.postMessage(arg1);
}, arguments); },
__wbg_preventDefault_cfb06b02e7406899: function(arg0) {
arg0.preventDefault();
},
__wbg_push_c9f4893fc209f768: function(arg0, arg1) {
const ret = arg0.push(arg1);
return ret;
},
__wbg_querySelector_1555c239948f2bf0: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.querySelector(getStringFromWasm0(arg1, arg2));
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
}, arguments); },
__wbg_queueMicrotask_1e8503a8a690f0a3: function(arg0) {
const ret = arg0.queueMicrotask;
return ret;
},
__wbg_queueMicrotask_4a1a4d8dd332373b: function(arg0) {
queueMicrotask(arg0);
},
__wbg_randomUUID_a69650d94112bf65: function(arg0, arg1) {
const ret = arg1.randomUUID();
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_random_df36b90cd78a7d54: function() {
const ret = Math.random();
return ret;
},
__wbg_removeAttribute_735f25a801a701e1: function() { return handleError(function (arg0, arg1, arg2) {
arg0.removeAttribute(getStringFromWasm0(arg1, arg2));
}, arguments); },
__wbg_removeEventListener_4e20bd5fac3de092: function() { return handleError(function (arg0, arg1, arg2, arg3) {
arg0.removeEventListener(getStringFromWasm0(arg1, arg2), arg3);
}, arguments); },
__wbg_removeItem_6db621e167d16a1c: function() { return handleError(function (arg0, arg1, arg2) {
arg0.removeItem(getStringFromWasm0(arg1, arg2));
}, arguments); },
__wbg_remove_8228e91d7ddbc755: function(arg0) {
arg0.remove();
},
__wbg_remove_b28d816f9e896ff9: function(arg0) {
arg0.remove();
},
__wbg_replaceSync_b98cbd82f95f549c: function() { return handleError(function (arg0, arg1, arg2) {
arg0.replaceSync(getStringFromWasm0(arg1, arg2));
}, arguments); },
__wbg_resolve_dbf78ab4942478b0: function(arg0) {
const ret = Promise.resolve(arg0);
return ret;
},
__wbg_respond_d97c023ee981d1f5: function() { return handleError(function (arg0, arg1) {
arg0.respond(arg1 >>> 0);
}, arguments); },
__wbg_select_cb5533d73c614efc: function(arg0, arg1, arg2) {
const ret = arg1.select(arg2);
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_setAttribute_f75317b2b5cabfb4: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
arg0.setAttribute(getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));
}, arguments); },
__wbg_setItem_cfa3cb31f271776a: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
arg0.setItem(getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));
}, arguments); },
__wbg_setProperty_3fe74e09d53acb0b: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
arg0.setProperty(getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));
}, arguments); },
__wbg_setTimeout_9ef22b48643bd7de: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.setTimeout(arg1, arg2);
return ret;
}, arguments); },
__wbg_set_2793479888329cb6: function() { return handleError(function (arg0, arg1, arg2) {
const ret = Reflect.set(arg0, arg1, arg2);
return ret;
}, arguments); },
__wbg_set_adoptedStyleSheets_76cf400b551c5fb0: function(arg0, arg1) {
arg0.adoptedStyleSheets = arg1;
},
__wbg_set_body_877d5251e78ca815: function(arg0, arg1) {
arg0.body = arg1;
},
__wbg_set_bubbles_c575af63822ba0df: function(arg0, arg1) {
arg0.bubbles = arg1 !== 0;
},
__wbg_set_className_fcd90345b3a090af: function(arg0, arg1, arg2) {
arg0.className = getStringFromWasm0(arg1, arg2);
},
__wbg_set_composed_d7ec06c0693be3f1: function(arg0, arg1) {
arg0.composed = arg1 !== 0;
},
__wbg_set_detail_bf911f4f40441e17: function(arg0, arg1) {
arg0.detail = arg1;
},
__wbg_set_feb3714f475485ba: function(arg0, arg1, arg2) {
arg0.set(getArrayU8FromWasm0(arg1, arg2));
},
__wbg_set_headers_6d75a7df4eb22716: function(arg0, arg1) {
arg0.headers = arg1;
},
__wbg_set_method_639e69af35614d36: function(arg0, arg1, arg2) {
arg0.method = getStringFromWasm0(arg1, arg2);
},
__wbg_set_nodeValue_7e9217115013d873: function(arg0, arg1, arg2) {
arg0.nodeValue = arg1 === 0 ? undefined : getStringFromWasm0(arg1, arg2);
},
__wbg_set_onerror_357687340e1d996a: function(arg0, arg1) {
arg0.onerror = arg1;
},
__wbg_set_onmessage_62a5679af20d7bf7: function(arg0, arg1) {
arg0.onmessage = arg1;
},
__wbg_set_signal_0b2eee78907e5ba7: function(arg0, arg1) {
arg0.signal = arg1;
},
__wbg_set_textContent_0177b2a6d9293c2c: function(arg0, arg1, arg2) {
arg0.textContent = arg1 === 0 ? undefined : getStringFromWasm0(arg1, arg2);
},
__wbg_signal_fac908876f45725d: function(arg0) {
const ret = arg0.signal;
return ret;
},
__wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: function() {
const ret = typeof globalThis === 'undefined' ? undefined : globalThis;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_static_accessor_GLOBAL_e4293fb22cbe77da: function() {
const ret = typeof global === 'undefined' ? undefined : global;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_static_accessor_SELF_53bb20457401453d: function() {
const ret = typeof self === 'undefined' ? undefined : self;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_static_accessor_WINDOW_b5e0810bfecb7feb: function() {
const ret = typeof window === 'undefined' ? undefined : window;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_status_cb85b6c8d1769fa1: function(arg0) {
const ret = arg0.status;
return ret;
},
__wbg_stringify_0a0fbf2ef722380a: function() { return handleError(function (arg0) {
const ret = JSON.stringify(arg0);
return ret;
}, arguments); },
__wbg_style_f499e599ac70277f: function(arg0) {
const ret = arg0.style;
return ret;
},
__wbg_target_e5cd9c7aa87dd8df: function(arg0) {
const ret = arg0.target;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_text_5240eb2c41de8292: function() { return handleError(function (arg0) {
const ret = arg0.text();
return ret;
}, arguments); },
__wbg_then_656f253a5dd7d8ea: function(arg0, arg1, arg2) {
const ret = arg0.then(arg1, arg2);
return ret;
},
__wbg_then_e3f7f2d365708be8: function(arg0, arg1) {
const ret = arg0.then(arg1);
return ret;
},
__wbg_type_5f9ceabba7ef7a1a: function(arg0, arg1) {
const ret = arg1.type;
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_value_df0a0e29a4d182fe: function(arg0, arg1) {
const ret = arg1.value;
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_export, wasm.__wbindgen_export2);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg_view_3b708d3bdaf3fc96: function(arg0) {
const ret = arg0.view;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_warn_42702744b2284b6f: function(arg0, arg1) {
console.warn(arg0, arg1);
},
__wbindgen_generic_0000000000000001: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_3162);
return ret;
},
__wbindgen_generic_0000000000000002: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_645);
return ret;
},
__wbindgen_generic_0000000000000003: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_5297);
return ret;
},
__wbindgen_generic_0000000000000004: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_3057);
return ret;
},
__wbindgen_generic_0000000000000005: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_3162_17);
return ret;
},
__wbindgen_generic_0000000000000006: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_646);
return ret;
},
__wbindgen_generic_0000000000000007: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_3057_19);
return ret;
},
__wbindgen_generic_0000000000000008: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_3056);
return ret;
},
__wbindgen_generic_0000000000000009: function(arg0, arg1) {
const ret = makeClosure(arg0, arg1, __wasm_bindgen_func_elem_3073);
return ret;
},
__wbindgen_generic_000000000000000a: function(arg0, arg1) {
const ret = makeMutClosure(arg0, arg1, __wasm_bindgen_func_elem_3161);
return ret;
},
__wbindgen_generic_000000000000000b: function(arg0) {
const ret = arg0;
return ret;
},
__wbindgen_generic_000000000000000c: function(arg0, arg1) {
const ret = getStringFromWasm0(arg0, arg1);
return ret;
},
__wbindgen_init_externref_table: function() {
const table = wasm.__wbindgen_externrefs;
table.set(0, undefined);
table.set(1024, undefined);
table.set(1025, null);
table.set(1026, true);
table.set(1027, false);
},
};
return {
__proto__: null,
"./pledge_widget_bg.js": import0,
"./__wasm_split.js": import1,
"./__wasm_split.js": import2,
"./__wasm_split.js": import3,
"./__wasm_split.js": import4,
"./__wasm_split.js": import5,
};
}
function __wasm_bindgen_func_elem_3056(arg0, arg1) {
wasm.__wasm_bindgen_func_elem_3056(arg0, arg1);
}
function __wasm_bindgen_func_elem_3073(arg0, arg1) {
wasm.__wasm_bindgen_func_elem_3073(arg0, arg1);
}
function __wasm_bindgen_func_elem_3161(arg0, arg1) {
wasm.__wasm_bindgen_func_elem_3161(arg0, arg1);
}
function __wasm_bindgen_func_elem_3162(arg0, arg1, arg2) {
wasm.__wasm_bindgen_func_elem_3162(arg0, arg1, arg2);
}
function __wasm_bindgen_func_elem_3057(arg0, arg1, arg2) {
wasm.__wasm_bindgen_func_elem_3057(arg0, arg1, arg2);
}
function __wasm_bindgen_func_elem_3162_17(arg0, arg1, arg2) {
wasm.__wasm_bindgen_func_elem_3162_17(arg0, arg1, arg2);
}
function __wasm_bindgen_func_elem_646(arg0, arg1, arg2) {
wasm.__wasm_bindgen_func_elem_646(arg0, arg1, arg2);
}
function __wasm_bindgen_func_elem_3057_19(arg0, arg1, arg2) {
wasm.__wasm_bindgen_func_elem_3057_19(arg0, arg1, arg2);
}
function __wasm_bindgen_func_elem_645(arg0, arg1, arg2) {
const ret = wasm.__wasm_bindgen_func_elem_645(arg0, arg1, arg2);
return ret;
}
function __wasm_bindgen_func_elem_5303(arg0, arg1, arg2, arg3) {
wasm.__wasm_bindgen_func_elem_5303(arg0, arg1, arg2, arg3);
}
function __wasm_bindgen_func_elem_5297(arg0, arg1, arg2) {
try {
const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
wasm.__wasm_bindgen_func_elem_5297(retptr, arg0, arg1, arg2);
var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
if (r1) {
throw takeFromExternrefTable0(r0);
}
} finally {
wasm.__wbindgen_add_to_stack_pointer(16);
}
}
const WidgetHandleFinalization = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(ptr => wasm.__wbg_widgethandle_free(ptr, 1));
function addToExternrefTable0(obj) {
const idx = wasm.__wbindgen_export4();
wasm.__wbindgen_externrefs.set(idx, obj);
return idx;
}
const CLOSURE_DTORS = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(state => wasm.__wbindgen_export6(state.a, state.b));
function debugString(val) {
switch (typeof val) {
case 'number':
case 'boolean':
case 'undefined':
return `${val}`;
case 'string':
return JSON.stringify(val);
case 'bigint':
return `${val}n`;
case 'symbol':
return val.description !== undefined
? `Symbol(${val.description})`
: 'Symbol';
case 'function':
return typeof val.name === 'string' && val.name !== ''
? `Function(${val.name})`
: 'Function';
case 'object': {
if (val === null) {
return 'null';
}
if (Array.isArray(val)) {
return '[' + Array.from(val, debugString).join(', ') + ']';
}
if (val instanceof Error) {
return `${val.name}: ${val.message}\n${val.stack}`;
}
const toStringOutput = toString.call(val);
const className = /\[object ([^\]]+)\]/.exec(toStringOutput)?.[1];
if (className === undefined) {
return toStringOutput;
}
if (className === 'Object') {
try {
return 'Object(' + JSON.stringify(val) + ')';
} catch (_) {
return 'Object';
}
}
return className;
}
}
}
function getArrayU8FromWasm0(ptr, len) {
ptr = ptr >>> 0;
return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}
let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
}
return cachedDataViewMemory0;
}
function getStringFromWasm0(ptr, len) {
ptr = ptr >>> 0;
return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}
let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
}
return cachedUint8ArrayMemory0;
}
function handleError(f, args) {
try {
return f.apply(this, args);
} catch (e) {
const idx = addToExternrefTable0(e);
wasm.__wbindgen_export5(idx);
}
}
function isLikeNone(x) {
return x === undefined || x === null;
}
function makeClosure(arg0, arg1, f) {
const state = { a: arg0, b: arg1, cnt: 1 };
const real = (...args) => {
state.cnt++;
try {
return f(state.a, state.b, ...args);
} finally {
real._wbg_cb_unref();
}
};
real._wbg_cb_unref = () => {
if (--state.cnt === 0) {
wasm.__wbindgen_export6(state.a, state.b);
state.a = 0;
CLOSURE_DTORS.unregister(state);
}
};
CLOSURE_DTORS.register(real, state, state);
return real;
}
function makeMutClosure(arg0, arg1, f) {
const state = { a: arg0, b: arg1, cnt: 1 };
const real = (...args) => {
state.cnt++;
const a = state.a;
state.a = 0;
try {
return f(a, state.b, ...args);
} finally {
state.a = a;
real._wbg_cb_unref();
}
};
real._wbg_cb_unref = () => {
if (--state.cnt === 0) {
wasm.__wbindgen_export6(state.a, state.b);
state.a = 0;
CLOSURE_DTORS.unregister(state);
}
};
CLOSURE_DTORS.register(real, state, state);
return real;
}
function passStringToWasm0(arg, malloc, realloc) {
if (realloc === undefined) {
const buf = cachedTextEncoder.encode(arg);
const ptr = malloc(buf.length, 1) >>> 0;
getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
WASM_VECTOR_LEN = buf.length;
return ptr;
}
let len = arg.length;
let ptr = malloc(len, 1) >>> 0;
const mem = getUint8ArrayMemory0();
let offset = 0;
for (; offset < len; offset++) {
const code = arg.charCodeAt(offset);
if (code > 0x7F) break;
mem[ptr + offset] = code;
}
if (offset !== len) {
if (offset !== 0) {
arg = arg.slice(offset);
}
ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
const ret = cachedTextEncoder.encodeInto(arg, view);
offset += ret.written;
ptr = realloc(ptr, len, offset, 1) >>> 0;
}
WASM_VECTOR_LEN = offset;
return ptr;
}
function takeFromExternrefTable0(idx) {
const value = wasm.__wbindgen_externrefs.get(idx);
wasm.__wbindgen_export7(idx);
return value;
}
let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(bytes) {
numBytesDecoded += bytes.length;
if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
numBytesDecoded = bytes.length;
}
return cachedTextDecoder.decode(bytes);
}
const cachedTextEncoder = new TextEncoder();
if (!('encodeInto' in cachedTextEncoder)) {
cachedTextEncoder.encodeInto = function (arg, view) {
const buf = cachedTextEncoder.encode(arg);
view.set(buf);
return {
read: arg.length,
written: buf.length
};
};
}
let WASM_VECTOR_LEN = 0;
let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
wasmInstance = instance;
wasm = instance.exports;
wasmModule = module;
cachedDataViewMemory0 = null;
cachedUint8ArrayMemory0 = null;
wasm.__wbindgen_start();
return wasm;
}
async function __wbg_load(module, imports) {
if (typeof Response === 'function' && module instanceof Response) {
if (!module.ok) {
throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
}
if (typeof WebAssembly.instantiateStreaming === 'function') {
try {
return await WebAssembly.instantiateStreaming(module, imports);
} catch (e) {
const validResponse = expectedResponseType(module.type);
if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);
} else { throw e; }
}
}
const bytes = await module.arrayBuffer();
return await WebAssembly.instantiate(bytes, imports);
} else {
const instance = await WebAssembly.instantiate(module, imports);
if (instance instanceof WebAssembly.Instance) {
return { instance, module };
} else {
return instance;
}
}
function expectedResponseType(type) {
switch (type) {
case 'basic': case 'cors': case 'default': return true;
}
return false;
}
}
function initSync(module) {
if (wasm !== undefined) return wasm;
if (module !== undefined) {
if (Object.getPrototypeOf(module) === Object.prototype) {
({module} = module)
} else {
console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
}
}
const imports = __wbg_get_imports();
if (!(module instanceof WebAssembly.Module)) {
module = new WebAssembly.Module(module);
}
const instance = new WebAssembly.Instance(module, imports);
return __wbg_finalize_init(instance, module);
}
let __wbg_init_promise;
async function __wbg_init(module_or_path) {
if (wasm !== undefined) return wasm;
if (__wbg_init_promise === undefined) {
__wbg_init_promise = __wbg_init_once(module_or_path);
__wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
}
return __wbg_init_promise;
}
async function __wbg_init_once(module_or_path) {
if (module_or_path !== undefined) {
if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
({module_or_path} = module_or_path)
} else {
console.warn('using deprecated parameters for the initialization function; pass a single object instead')
}
}
if (module_or_path === undefined) {
module_or_path = new URL('pledge_widget-eda496c8.wasm', import.meta.url);
}
const imports = __wbg_get_imports();
if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
module_or_path = fetch(module_or_path);
}
const { instance, module } = await __wbg_load(await module_or_path, imports);
return __wbg_finalize_init(instance, module);
}
export { initSync, __wbg_init as default };
let sharedImports = undefined;
function getSharedImports() {
if (sharedImports === undefined) {
sharedImports = { __wasm_split: {  } };
const { __indirect_function_table, __wasm_split_shared0, memory,  } = initSync(undefined, undefined);
Object.assign(sharedImports.__wasm_split, { __indirect_function_table, __wasm_split_shared0, memory,  });
}
return sharedImports;
}
function wrapAsyncCb(callee) {
return async (callbackIndex, callbackData) => {
let success;
try {
await callee();
success = true;
} catch (e) {
console.error(e);
success = false;
} finally {
const sharedImports = getSharedImports();
sharedImports.__wasm_split.__indirect_function_table.get(callbackIndex)(callbackData, success);
}
}
}
function makeLoad(fetcher, deps) {
const loader = async () => {
const parallelStuff = deps.map(d => d());
const instantiate = fetcher();
await Promise.all(parallelStuff);
const imports = getSharedImports();
return instantiate(imports);
};
let loadingModule = undefined;
return () => {
if (loadingModule === undefined) {
const thisLoad = loader();
thisLoad.catch(() => {
if (loadingModule === thisLoad) loadingModule = undefined;
});
loadingModule = thisLoad;
}
return loadingModule;
}
}
const __chunk_6 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-6-17fcf03c.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_7 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-7-6ee681d2.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_8 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-8-be673c8e.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_9 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-9-9491ab12.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_10 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-10-1370627a.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_11 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-11-98cb79ad.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_12 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-12-9b4826ab.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __chunk_13 = makeLoad(() => {
const src = fetch(new URL("./pledge_widget-chunk-13-6c42b7e5.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
const __wasm_split_load_wall = wrapAsyncCb(makeLoad(() => {
const src = fetch(new URL("./pledge_widget-split-wall-26ee7adc.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_8, __chunk_9, __chunk_12, __chunk_13]));
const __wasm_split_load_share = wrapAsyncCb(makeLoad(() => {
const src = fetch(new URL("./pledge_widget-split-share-00612d07.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_7, __chunk_8, __chunk_13]));
const __wasm_split_load_pow = wrapAsyncCb(makeLoad(() => {
const src = fetch(new URL("./pledge_widget-split-pow-435adc5a.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_10, __chunk_11]));
const __wasm_split_load_live = wrapAsyncCb(makeLoad(() => {
const src = fetch(new URL("./pledge_widget-split-live-cd72c172.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_6, __chunk_7, __chunk_8, __chunk_9, __chunk_11, __chunk_12]));
const __wasm_split_load_deliver = wrapAsyncCb(makeLoad(() => {
const src = fetch(new URL("./pledge_widget-split-deliver-81b0eba1.wasm", import.meta.url));
src.catch(() => {});
return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_6, __chunk_7, __chunk_8, __chunk_9, __chunk_10]));
const __wasm_split_loaders = { __wasm_split_load_wall,__wasm_split_load_share,__wasm_split_load_pow,__wasm_split_load_live,__wasm_split_load_deliver };
const import1 = __wasm_split_loaders;
const import2 = __wasm_split_loaders;
const import3 = __wasm_split_loaders;
const import4 = __wasm_split_loaders;
const import5 = __wasm_split_loaders;
