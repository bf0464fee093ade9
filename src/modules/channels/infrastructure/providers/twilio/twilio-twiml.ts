import twilio from 'twilio';
import { E164, xmlSafeText, type TwilioVoiceConfig } from './twilio-credentials';

const DEFAULT_GREETING = 'Thank you for calling. Please leave a message after the tone.';
/** Longest voicemail recorded, in seconds. */
const MAX_RECORDING_SECONDS = 300;

/** Empty TwiML: the message was received and nothing is said back. */
export function emptyMessagingTwiml(): string {
  return new twilio.twiml.MessagingResponse().toString();
}

/**
 * TwiML that answers a call: the configured greeting, then a `<Dial>` to the forward number when
 * one is configured, or else a `<Record>` whose result Twilio posts to `recordingUrl` (without an
 * action Twilio would request this same document again and loop).
 */
export function answerCallTwiml(config: TwilioVoiceConfig, recordingUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  const forwardTo = typeof config.forward_to === 'string' && E164.test(config.forward_to) ? config.forward_to : undefined;
  // Cleaned again here: a config stored before the check existed must not break every call.
  const configured = typeof config.greeting === 'string' ? xmlSafeText(config.greeting) : '';
  const greeting = configured || (forwardTo ? undefined : DEFAULT_GREETING);
  if (greeting) response.say(typeof config.language === 'string' ? { language: config.language as never } : {}, greeting);
  if (forwardTo) response.dial(forwardTo);
  else response.record({ action: recordingUrl, method: 'POST', maxLength: MAX_RECORDING_SECONDS, playBeep: true });
  return response.toString();
}

/** TwiML that refuses a call (busy tone): the channel is not active. */
export function rejectCallTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.reject({ reason: 'busy' });
  return response.toString();
}

/** TwiML that ends the call (after the voicemail was recorded). */
export function hangupTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}
