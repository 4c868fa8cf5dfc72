//! Mistakes a MicroPython user makes, with MicroPython-like messages.

use embedded_hal::digital::{InputPin, OutputPin, StatefulOutputPin};
use uasyncio_machine::{Adc, Board, Pin, PinError, Pwm, PwmError};

#[test]
#[should_panic(expected = "invalid pin: 99")]
fn an_unknown_pin_number() {
    Board::esp32().install();
    Pin::new(99, Pin::OUT);
}

#[test]
#[should_panic(expected = "invalid pin: 24")]
fn a_gap_in_the_esp32_numbering() {
    Board::esp32().install();
    Pin::new(24, Pin::IN);
}

#[test]
#[should_panic(expected = "invalid pin: 30")]
fn a_pin_past_the_picos_last() {
    Board::pico().install();
    Pin::get(30);
}

#[test]
#[should_panic(expected = "invalid pin: 40")]
fn pressing_a_button_on_an_unknown_pin() {
    Board::esp32().install().press(40);
}

#[test]
#[should_panic(expected = "Pin(2) doesn't have ADC capabilities")]
fn an_adc_on_a_pin_without_one() {
    Board::esp32().install();
    Adc::new(Pin::new(2, Pin::IN));
}

#[test]
#[should_panic(expected = "Pin(25) doesn't have ADC capabilities")]
fn an_adc_on_the_picos_led_pin() {
    Board::pico().install();
    Adc::new(Pin::new(25, Pin::IN));
}

#[test]
#[should_panic(expected = "ADC attenuation is not available on the Raspberry Pi Pico")]
fn attenuation_on_a_pico() {
    Board::pico().install();
    Adc::new(Pin::new(26, Pin::IN)).atten(Adc::ATTN_11DB);
}

#[test]
#[should_panic(expected = "duty must be from 0 to 1023, not 1024")]
fn a_duty_out_of_range() {
    Board::esp32().install();
    Pwm::new(Pin::new(5, Pin::OUT), 5000).set_duty(1024);
}

#[test]
#[should_panic(expected = "duty must be from 0 to 1023, not 4095")]
fn a_raw_adc_reading_used_as_duty() {
    Board::esp32().install();
    Pwm::with_duty(Pin::new(5, Pin::OUT), 5000, 4095);
}

#[test]
fn a_duty_out_of_range_as_a_typed_error() {
    Board::esp32().install();
    let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    assert_eq!(led.try_set_duty(1024), Err(PwmError::DutyOutOfRange(1024)));
    assert_eq!(led.duty(), 0);
}

#[test]
#[should_panic(expected = "frequency must be from 1Hz to 40MHz, not 0")]
fn a_zero_frequency() {
    Board::esp32().install();
    Pwm::new(Pin::new(5, Pin::OUT), 0);
}

#[test]
#[should_panic(expected = "Pin(15) is an input: only a Pin::OUT or Pin::OPEN_DRAIN pin can be set")]
fn writing_to_an_input_pin() {
    Board::pico().install();
    Pin::with_pull(15, Pin::IN, Pin::PULL_UP).on();
}

#[test]
#[should_panic(expected = "Pin(15) is an input")]
fn toggling_an_input_pin() {
    Board::pico().install();
    Pin::new(15, Pin::IN).toggle();
}

#[test]
#[should_panic(expected = "Pin(36) can only be an input")]
fn an_output_on_an_input_only_pin() {
    Board::esp32().install();
    Pin::new(36, Pin::OUT);
}

#[test]
#[should_panic(expected = "Pin(39) can only be an input")]
fn pwm_on_an_input_only_pin() {
    Board::esp32().install();
    Pwm::new(Pin::get(39), 1000);
}

#[test]
#[should_panic(expected = "Pin(14) was never configured: give it a mode first, e.g. Pin::new(14, Pin::IN)")]
fn reading_a_pin_never_configured() {
    Board::esp32().install();
    Pin::get(14).value();
}

#[test]
#[should_panic(expected = "a potentiometer position must be from 0.0 to 1.0, not 1.5")]
fn a_pot_past_its_end() {
    Board::esp32().install().set_pot(36, 1.5);
}

#[test]
fn the_embedded_hal_traits_return_typed_errors() {
    Board::pico().install();
    let mut button = Pin::new(15, Pin::IN);
    assert_eq!(button.set_high(), Err(PinError::NotOutput(15)));
    assert_eq!(button.is_set_high(), Err(PinError::NotOutput(15)));
    let mut never = Pin::get(16);
    assert_eq!(never.is_high(), Err(PinError::NotConfigured(16)));
    assert_eq!(
        PinError::NotOutput(15).to_string(),
        "Pin(15) is an input: only a Pin::OUT or Pin::OPEN_DRAIN pin can be set"
    );
    assert_eq!(
        embedded_hal::digital::Error::kind(&PinError::NotConfigured(16)),
        embedded_hal::digital::ErrorKind::Other
    );
}
